"""API routes of orders, complaints and merchant money (included under /api/v1/)."""
from django.urls import path

from marketplace.api import orders

urlpatterns = [
    path("orders/", orders.OrderListCreate.as_view(), name="api-order-list"),
    path("orders/<int:pk>/", orders.OrderDetail.as_view(), name="api-order-detail"),
    path("orders/<int:pk>/pay/", orders.OrderPay.as_view(), name="api-order-pay"),
    path("orders/<int:pk>/ship/", orders.OrderShip.as_view(), name="api-order-ship"),
    path("orders/<int:pk>/confirm-receipt/", orders.OrderConfirmReceipt.as_view(), name="api-order-confirm-receipt"),
    path("orders/<int:pk>/cancel/", orders.OrderCancel.as_view(), name="api-order-cancel"),
    path("orders/<int:pk>/review/", orders.OrderReview.as_view(), name="api-order-review"),
    path("complaints/", orders.ComplaintListCreate.as_view(), name="api-complaint-list"),
    path("merchant/orders/", orders.MerchantOrderList.as_view(), name="api-merchant-orders"),
    path("merchant/balance/", orders.MerchantBalance.as_view(), name="api-merchant-balance"),
    path("merchant/settlements/", orders.MerchantSettlementList.as_view(), name="api-merchant-settlements"),
    path("merchant/withdrawals/", orders.MerchantWithdrawals.as_view(), name="api-merchant-withdrawals"),
]
