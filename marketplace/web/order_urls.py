"""Website routes of orders (namespace "orders"): cart, checkout, my orders, merchant orders and money."""
from django.urls import path

from marketplace.web import orders

app_name = "orders"

urlpatterns = [
    path("cart/", orders.cart, name="cart"),
    path("cart/add/", orders.cart_add, name="cart-add"),
    path("cart/items/<int:pk>/", orders.cart_item_update, name="cart-update"),
    path("cart/items/<int:pk>/remove/", orders.cart_item_remove, name="cart-remove"),
    path("checkout/<int:shop_id>/", orders.checkout, name="checkout"),
    path("orders/", orders.order_list, name="order-list"),
    path("orders/<int:pk>/", orders.order_detail, name="order-detail"),
    path("orders/<int:pk>/pay/", orders.order_pay_view, name="order-pay"),
    path("orders/<int:pk>/confirm-receipt/", orders.order_confirm_view, name="order-confirm-receipt"),
    path("orders/<int:pk>/cancel/", orders.order_cancel_view, name="order-cancel"),
    path("orders/<int:pk>/review/", orders.order_review_view, name="order-review"),
    path("orders/<int:pk>/ship/", orders.order_ship_view, name="order-ship"),
    path("merchant/orders/", orders.merchant_orders, name="merchant-orders"),
    path("merchant/balance/", orders.merchant_balance, name="merchant-balance"),
    path("complaints/new/", orders.complaint_new, name="complaint-new"),
]
