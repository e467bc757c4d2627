"""The access matrix's expectations and how to ask for them: who may do what on every URL of config.urls.

RULES_TABLE holds the expected status of each route per role, ADMIN_TABLE each staff role's rights on the
admin's model pages; ``routes()`` pairs them with the patterns walked from config.urls, ``path_for`` fills
a route's arguments with the objects of the reliability world, and ``Caller`` sends a request as a role.
Used by the access matrix (test_access_matrix.py) and the bad-input catalogue (test_bad_input.py).
"""
from django.apps import apps
from django.test import Client

from tests.reliability.matrix import admin_model_kind, fill, send, url_patterns

ROLES = ("anonymous", "buyer", "other_buyer", "merchant", "other_merchant", "staff_none", "cs", "finance",
         "credit_officer", "risk_officer", "superuser")
COLUMNS = ("an", "b", "ob", "m", "om", "s0", "cs", "fi", "co", "ro", "su")  # the roles above, in RULES' columns
STAFF = ROLES[5:]
REFUSED = {"L", "AL", "401", "403", "404", "RX"}

# route name | method | object of the world its <pk> is | expected status per role
#   an anonymous, b buyer (owns the orders, case, plan, statement), ob another buyer, m merchant (owns the shop
#   and listing), om another merchant, s0 staff in no group, cs Customer service, fi Finance,
#   co Credit officers, ro Risk officers, su superuser
RULES_TABLE = """
route                                        method object          an  b   ob  m   om  s0  cs  fi  co  ro  su
healthz                                      get    -               200 200 200 200 200 200 200 200 200 200 200
healthz                                      post   -               405 405 405 405 405 405 405 405 405 405 405
login                                        get    -               200 200 200 200 200 200 200 200 200 200 200
login                                        post   -               200 200 200 200 200 200 200 200 200 200 200
logout                                       post   -               R   R   R   R   R   R   R   R   R   R   R
register                                     get    -               200 200 200 200 200 200 200 200 200 200 200
register                                     post   -               200 200 200 200 200 200 200 200 200 200 200
notifications                                get    -               L   200 200 200 200 200 200 200 200 200 200
notifications                                post   -               L   200 200 200 200 200 200 200 200 200 200
notifications-read-all                       post   -               L   R   R   R   R   R   R   R   R   R   R
notification-read                            post   notification    L   R   404 404 404 404 404 404 404 404 404
set_language                                 get    -               R   R   R   R   R   R   R   R   R   R   R
set_language                                 post   -               R   R   R   R   R   R   R   R   R   R   R
admin:dashboard                              get    -               AL  AL  AL  AL  AL  200 200 200 200 200 200
admin:dashboard                              post   -               AL  AL  AL  AL  AL  200 200 200 200 200 200
admin:index                                  get    -               AL  AL  AL  AL  AL  200 200 200 200 200 200
admin:index                                  post   -               AL  AL  AL  AL  AL  200 200 200 200 200 200
admin:login                                  get    -               200 200 200 200 200 R   R   R   R   R   R
admin:login                                  post   -               200 200 200 200 200 200 200 200 200 200 200
admin:logout                                 get    -               R   R   R   R   R   405 405 405 405 405 405
admin:logout                                 post   -               R   R   R   R   R   R   R   R   R   R   R
admin:password_change                        get    -               AL  AL  AL  AL  AL  200 200 200 200 200 200
admin:password_change                        post   -               AL  AL  AL  AL  AL  200 200 200 200 200 200
admin:password_change_done                   get    -               AL  AL  AL  AL  AL  200 200 200 200 200 200
admin:password_change_done                   post   -               AL  AL  AL  AL  AL  405 405 405 405 405 405
admin:autocomplete                           get    -               AL  AL  AL  AL  AL  403 403 403 403 403 403
admin:autocomplete                           post   -               AL  AL  AL  AL  AL  405 405 405 405 405 405
admin:jsi18n                                 get    -               AL  AL  AL  AL  AL  200 200 200 200 200 200
admin:jsi18n                                 post   -               AL  AL  AL  AL  AL  405 405 405 405 405 405
admin:view_on_site                           get    -               AL  AL  AL  AL  AL  404 404 404 404 404 404
admin:view_on_site                           post   -               AL  AL  AL  AL  AL  404 404 404 404 404 404
admin:marketplace_user_reveal                get    -               AL  AL  AL  AL  AL  403 403 403 403 403 200
admin:marketplace_user_reveal                post   -               AL  AL  AL  AL  AL  403 403 403 403 403 200
admin:auth_user_password_change              get    -               AL  AL  AL  AL  AL  403 403 403 403 403 200
admin:auth_user_password_change              post   -               AL  AL  AL  AL  AL  403 403 403 403 403 200
admin:protection_aftersalescase_rule         get    case            AL  AL  AL  AL  AL  403 200 403 403 403 200
admin:protection_aftersalescase_rule         post   case            AL  AL  AL  AL  AL  403 200 403 403 403 200
admin:credit_creditapplication_reveal        get    -               AL  AL  AL  AL  AL  403 403 403 403 403 200
admin:credit_creditapplication_reveal        post   -               AL  AL  AL  AL  AL  403 403 403 403 403 200
admin:credit_installment_delinquency         get    -               AL  AL  AL  AL  AL  403 403 403 200 403 200
admin:credit_checkoutfingerprint_reveal      get    -               AL  AL  AL  AL  AL  403 403 403 403 403 200
admin:credit_checkoutfingerprint_reveal      post   -               AL  AL  AL  AL  AL  403 403 403 403 403 200
admin:credit_devicesighting_reveal           get    -               AL  AL  AL  AL  AL  403 403 403 403 403 404
admin:credit_devicesighting_reveal           post   -               AL  AL  AL  AL  AL  403 403 403 403 403 404
admin:credit_installment_delinquency         post   -               AL  AL  AL  AL  AL  403 403 403 200 403 200
admin:app_list                               get    -               AL  AL  AL  AL  AL  404 200 200 404 200 200
admin:app_list                               post   -               AL  AL  AL  AL  AL  404 200 200 404 200 200
admin:catch_all                              get    -               AL  AL  AL  AL  AL  404 404 404 404 404 404
admin:catch_all                              post   -               AL  AL  AL  AL  AL  404 404 404 404 404 404
api-notifications                            get    -               401 200 200 200 200 200 200 200 200 200 200
api-notifications-read-all                   post   -               401 200 200 200 200 200 200 200 200 200 200
api-notification-read                        post   notification    401 200 404 404 404 404 404 404 404 404 404
api-notification-preferences                 get    -               401 200 200 200 200 200 200 200 200 200 200
api-notification-preferences                 patch  -               401 200 200 200 200 200 200 200 200 200 200
api-data-access-log                          get    -               401 200 200 200 200 200 200 200 200 200 200
api-contact-attempts                         get    -               401 200 200 200 200 200 200 200 200 200 200
api-consents                                 get    -               401 200 200 200 200 200 200 200 200 200 200
api-consent-withdraw                         post   -               401 200 200 200 200 200 200 200 200 200 200
api-data-export                              get    -               401 200 200 200 200 200 200 200 200 200 200
api-account-delete                           get    -               401 200 200 200 200 200 200 200 200 200 200
api-account-delete                           post   -               401 400 400 400 400 400 400 400 400 400 400
api-register                                 post   -               400 400 400 400 400 400 400 400 400 400 400
api-token                                    post   -               400 400 400 400 400 400 400 400 400 400 400
api-me                                       get    -               401 200 200 200 200 200 200 200 200 200 200
api-me                                       patch  -               401 200 200 200 200 200 200 200 200 200 200
api-shop-list                                get    -               200 200 200 200 200 200 200 200 200 200 200
api-shop-list                                post   -               401 400 400 400 400 400 400 400 400 400 400
api-shop-mine                                get    -               401 403 403 200 200 403 403 403 403 403 403
api-shop-detail                              get    shop            200 200 200 200 200 200 200 200 200 200 200
api-shop-detail                              patch  shop            401 403 403 200 403 403 403 403 403 403 403
api-shop-deposit                             post   shop            401 403 403 200 403 403 403 403 403 403 403
api-category-list                            get    -               200 200 200 200 200 200 200 200 200 200 200
api-listing-list                             get    -               200 200 200 200 200 200 200 200 200 200 200
api-listing-list                             post   -               401 403 403 400 400 403 403 403 403 403 403
api-listing-detail                           get    listing         200 200 200 200 200 200 200 200 200 200 200
api-listing-detail                           patch  listing         401 403 403 200 403 403 403 403 403 403 403
api-listing-pause                            post   listing         401 403 403 200 403 403 403 403 403 403 403
api-listing-activate                         post   listing         401 403 403 409 403 403 403 403 403 403 403
api-listing-images                           post   listing         401 403 403 415 403 403 403 403 403 403 403
api-merchant-listings                        get    -               401 403 403 200 200 403 403 403 403 403 403
api-staff-shop-verify                        post   pending_shop    401 403 403 403 403 403 200 403 403 200 200
api-staff-shop-suspend                       post   shop            401 403 403 403 403 403 200 403 403 200 200
api-staff-listing-remove                     post   listing         401 403 403 403 403 403 200 403 403 403 200
api-order-list                               get    -               401 200 200 200 200 200 200 200 200 200 200
api-order-list                               post   -               401 400 400 400 400 400 400 400 400 400 400
api-order-detail                             get    order_paid      401 200 404 200 404 404 200 200 404 200 200
api-order-pay                                post   order_pending   401 200 404 403 404 404 403 403 404 403 403
api-order-ship                               post   order_paid      401 403 404 200 404 404 403 403 404 403 403
api-order-confirm-receipt                    post   order_shipped   401 200 404 403 404 404 403 403 404 403 403
api-order-cancel                             post   order_pending   401 200 404 200 404 404 200 403 404 200 200
api-order-review                             post   order_completed 401 201 404 403 404 404 403 403 404 403 403
api-complaint-list                           get    -               401 200 200 200 200 200 200 200 200 200 200
api-complaint-list                           post   -               401 400 400 400 400 400 400 400 400 400 400
api-merchant-orders                          get    -               401 403 403 200 200 403 403 403 403 403 403
api-merchant-balance                         get    -               401 403 403 200 200 403 403 403 403 403 403
api-merchant-settlements                     get    -               401 403 403 200 200 403 403 403 403 403 403
api-merchant-withdrawals                     get    -               401 403 403 200 200 403 403 403 403 403 403
api-merchant-withdrawals                     post   -               401 403 403 400 400 403 403 403 403 403 403
api-staff-after-sales-rule                   post   case            401 403 403 403 403 403 200 403 403 403 200
api-staff-after-sales-return-order           post   case            401 403 403 403 403 403 409 403 403 403 409
api-after-sales-list                         get    -               401 200 200 200 200 200 200 200 200 200 200
api-after-sales-list                         post   -               401 400 400 400 400 400 400 400 400 400 400
api-after-sales-standing                     get    -               401 200 200 200 200 200 200 200 200 200 200
api-after-sales-detail                       get    case            401 200 404 200 404 404 200 404 404 404 200
api-after-sales-approve                      post   case            401 403 404 200 404 404 403 404 404 404 403
api-after-sales-confirm-return               post   case            401 403 404 409 404 404 403 404 404 404 403
api-after-sales-escalate                     post   case            401 200 404 200 404 404 403 404 404 404 403
api-after-sales-evidence                     post   case            401 201 404 201 404 404 201 404 404 404 201
api-after-sales-refund-instead               post   case            401 403 404 409 404 404 403 404 404 404 403
api-after-sales-reject                       post   case            401 403 404 200 404 404 403 404 404 404 403
api-after-sales-ship-replacement             post   case            401 403 404 409 404 404 403 404 404 404 403
api-after-sales-ship-return                  post   case            401 409 404 403 404 404 403 404 404 404 403
api-after-sales-withdraw                     post   case            401 200 404 403 404 404 403 404 404 404 403
api-credit-terms                             get    -               200 200 200 200 200 200 200 200 200 200 200
api-credit-applications                      post   -               401 400 400 400 400 400 400 400 400 400 400
api-credit-line                              get    -               401 200 200 404 404 404 404 404 404 404 404
api-credit-quote                             get    -               400 400 400 400 400 400 400 400 400 400 400
api-credit-plans                             get    -               401 200 200 200 200 200 200 200 200 200 200
api-credit-plan                              get    plan            401 200 404 404 404 404 404 404 404 404 404
api-credit-repayments                        post   -               401 201 404 404 404 404 404 404 404 404 404
api-credit-statements                        get    -               401 200 200 200 200 200 200 200 200 200 200
api-credit-statement                         get    statement       401 200 404 404 404 404 404 404 404 404 404
api-credit-statement-csv                     get    statement       401 200 404 404 404 404 404 404 404 404 404
api-credit-history                           get    -               401 200 200 200 200 200 200 200 200 200 200
api-staff-credit-decide                      post   application     401 404 404 404 404 403 403 403 200 403 200
api-staff-credit-freeze                      post   line            401 404 404 404 404 403 403 403 200 403 200
api-staff-credit-unfreeze                    post   line            401 404 404 404 404 403 403 403 409 403 409
api-staff-risk-reviews                       get    -               401 404 404 404 404 403 403 403 403 200 200
api-staff-risk-review                        get    risk_assessment 401 404 404 404 404 403 403 403 403 200 200
api-staff-risk-decide                        post   risk_assessment 401 404 404 404 404 403 403 403 403 409 409
schema                                       get    -               200 200 200 200 200 200 200 200 200 200 200
api-docs                                     get    -               200 200 200 200 200 200 200 200 200 200 200
privacy:centre                               get    -               L   200 200 200 200 200 200 200 200 200 200
privacy:centre                               post   -               L   200 200 200 200 200 200 200 200 200 200
privacy:access-log                           get    -               L   200 200 200 200 200 200 200 200 200 200
privacy:access-log                           post   -               L   200 200 200 200 200 200 200 200 200 200
privacy:withdraw                             post   -               L   R   R   R   R   R   R   R   R   R   R
privacy:export                               get    -               L   200 200 200 200 200 200 200 200 200 200
privacy:export                               post   -               L   200 200 200 200 200 200 200 200 200 200
privacy:delete                               get    -               L   200 200 200 200 200 200 200 200 200 200
privacy:delete                               post   -               L   200 200 200 200 200 200 200 200 200 200
protection:case-list                         get    -               L   200 200 200 200 200 200 200 200 200 200
protection:case-list                         post   -               L   200 200 200 200 200 200 200 200 200 200
protection:case-new                          get    order_completed L   200 404 404 404 404 404 404 404 404 404
protection:case-new                          post   order_completed L   200 404 404 404 404 404 404 404 404 404
protection:standing                          get    -               L   200 200 200 200 200 200 200 200 200 200
protection:standing                          post   -               L   200 200 200 200 200 200 200 200 200 200
protection:case-detail                       get    case            L   200 404 200 404 404 200 404 404 404 200
protection:case-detail                       post   case            L   200 404 200 404 404 200 404 404 404 200
protection:case-action                       post   case            L   RX  404 R   404 404 RX  404 404 404 RX
protection:merchant-inbox                    get    -               L   404 404 200 200 404 404 404 404 404 404
protection:merchant-inbox                    post   -               L   404 404 200 200 404 404 404 404 404 404
credit:centre                                get    -               L   200 200 200 200 200 200 200 200 200 200
credit:centre                                post   -               L   200 200 200 200 200 200 200 200 200 200
credit:apply                                 get    -               L   200 200 200 200 200 200 200 200 200 200
credit:apply                                 post   -               L   200 200 200 200 200 200 200 200 200 200
credit:plan                                  get    plan            L   200 404 404 404 404 404 404 404 404 404
credit:plan                                  post   plan            L   200 404 404 404 404 404 404 404 404 404
credit:repay                                 post   plan            L   R   404 404 404 404 404 404 404 404 404
credit:statements                            get    -               L   200 200 200 200 200 200 200 200 200 200
credit:statements                            post   -               L   200 200 200 200 200 200 200 200 200 200
credit:statement                             get    statement       L   200 404 404 404 404 404 404 404 404 404
credit:statement                             post   statement       L   200 404 404 404 404 404 404 404 404 404
credit:history                               get    -               L   200 200 200 200 200 200 200 200 200 200
credit:history                               post   -               L   200 200 200 200 200 200 200 200 200 200
credit:quote                                 get    -               400 400 400 400 400 400 400 400 400 400 400
credit:quote                                 post   -               400 400 400 400 400 400 400 400 400 400 400
home                                         get    -               200 200 200 200 200 200 200 200 200 200 200
home                                         post   -               200 200 200 200 200 200 200 200 200 200 200
listing-search                               get    -               200 200 200 200 200 200 200 200 200 200 200
listing-search                               post   -               200 200 200 200 200 200 200 200 200 200 200
listing-detail                               get    listing         200 200 200 200 200 200 200 200 200 200 200
listing-detail                               post   listing         200 200 200 200 200 200 200 200 200 200 200
shop-detail                                  get    shop            200 200 200 200 200 200 200 200 200 200 200
shop-detail                                  post   shop            200 200 200 200 200 200 200 200 200 200 200
merchant-dashboard                           get    -               L   R   R   200 200 R   R   R   R   R   R
merchant-dashboard                           post   -               L   R   R   200 200 R   R   R   R   R   R
merchant-shop-open                           get    -               L   200 200 R   R   200 200 200 200 200 200
merchant-shop-open                           post   -               L   200 200 R   R   200 200 200 200 200 200
merchant-shop-edit                           get    -               L   R   R   200 200 R   R   R   R   R   R
merchant-shop-edit                           post   -               L   R   R   200 200 R   R   R   R   R   R
merchant-deposit                             get    -               L   R   R   200 200 R   R   R   R   R   R
merchant-deposit                             post   -               L   R   R   200 200 R   R   R   R   R   R
merchant-listings                            get    -               L   R   R   200 200 R   R   R   R   R   R
merchant-listings                            post   -               L   R   R   200 200 R   R   R   R   R   R
merchant-listing-create                      get    -               L   R   R   200 200 R   R   R   R   R   R
merchant-listing-create                      post   -               L   R   R   200 200 R   R   R   R   R   R
merchant-listing-edit                        get    listing         L   404 404 200 404 404 404 404 404 404 404
merchant-listing-edit                        post   listing         L   404 404 200 404 404 404 404 404 404 404
merchant-listing-image                       post   listing         L   404 404 400 404 404 404 404 404 404 404
merchant-listing-image-delete                post   listing         L   404 404 R   404 404 404 404 404 404 404
merchant-listing-transition                  post   listing         L   404 404 R   404 404 404 404 404 404 404
orders:cart                                  get    -               L   200 200 200 200 200 200 200 200 200 200
orders:cart                                  post   -               L   200 200 200 200 200 200 200 200 200 200
orders:cart-add                              post   -               L   R   R   R   R   R   R   R   R   R   R
orders:cart-update                           post   cart_item       L   R   404 404 404 404 404 404 404 404 404
orders:cart-remove                           post   cart_item       L   R   404 404 404 404 404 404 404 404 404
orders:checkout                              get    other_shop      L   200 R   R   R   R   R   R   R   R   R
orders:checkout                              post   other_shop      L   200 R   R   R   R   R   R   R   R   R
orders:order-list                            get    -               L   200 200 200 200 200 200 200 200 200 200
orders:order-list                            post   -               L   200 200 200 200 200 200 200 200 200 200
orders:order-detail                          get    order_paid      L   200 404 200 404 404 200 200 404 200 200
orders:order-detail                          post   order_paid      L   200 404 200 404 404 200 200 404 200 200
orders:order-pay                             post   order_pending   L   R   404 RX  404 404 RX  RX  404 RX  RX
orders:order-confirm-receipt                 post   order_shipped   L   R   404 RX  404 404 RX  RX  404 RX  RX
orders:order-cancel                          post   order_pending   L   R   404 R   404 404 R   RX  404 R   R
orders:order-review                          post   order_completed L   R   404 RX  404 404 RX  RX  404 RX  RX
orders:order-ship                            post   order_paid      L   RX  404 R   404 404 RX  RX  404 RX  RX
orders:merchant-orders                       get    -               L   403 403 200 200 403 403 403 403 403 403
orders:merchant-orders                       post   -               L   403 403 200 200 403 403 403 403 403 403
orders:merchant-balance                      get    -               L   403 403 200 200 403 403 403 403 403 403
orders:merchant-balance                      post   -               L   403 403 200 200 403 403 403 403 403 403
orders:complaint-new                         get    -               L   404 404 404 404 404 404 404 404 404 404
orders:complaint-new                         post   -               L   404 404 404 404 404 404 404 404 404 404
"""

# Admin model pages (changelist, add, <id>/change, <id>/history, <id>/delete, <id>/ → change): what each staff
# role may do there. v = see (view or change), a = add, d = delete; - nothing. Anyone not staff gets AL.
# Derived statuses: changelist/change/history 200 with v, add 200 with a, delete 200 with d, else 403; <id>/ 302.
# Where the world has no row of the model, <id> is a missing one: change 302 (to the list) with v, delete 302
# with d, history 302 for any staff (Django looks the object up before the permission).
ADMIN_TABLE = """
model                                   s0  cs  fi  co  ro  su
auth.group                              -   -   -   -   -   vad
authtoken.tokenproxy                    -   -   -   -   -   vad
django_celery_beat.periodictask         -   -   v   -   -   vad
django_celery_beat.clockedschedule      -   -   -   -   -   vad
django_celery_beat.crontabschedule      -   -   -   -   -   vad
django_celery_beat.solarschedule        -   -   -   -   -   vad
django_celery_beat.intervalschedule     -   -   -   -   -   vad
axes.accessattempt                      -   -   -   -   -   vd
axes.accesslog                          -   -   -   -   -   vd
axes.accessfailurelog                   -   -   -   -   -   vd
core.auditevent                         -   -   -   -   -   v
core.dataaccessrecord                   -   -   -   -   -   v
core.notification                       -   -   -   -   -   v
ledger.account                          -   -   v   -   -   v
ledger.transaction                      -   -   v   -   -   v
marketplace.user                        -   v   -   -   -   vad
marketplace.shop                        -   v   v   -   v   v
marketplace.category                    -   -   -   -   -   vad
marketplace.listing                     -   v   -   -   -   v
marketplace.order                       -   v   v   -   v   v
marketplace.payment                     -   v   v   -   -   v
marketplace.refund                      -   v   v   -   -   v
marketplace.settlement                  -   v   v   -   -   v
marketplace.review                      -   v   -   -   -   v
marketplace.withdrawal                  -   -   v   -   -   v
marketplace.complaint                   -   v   v   -   -   v
protection.aftersalescase               -   v   -   -   -   v
protection.buyerstanding                -   v   -   -   -   v
protection.noreasonsuspension           -   v   -   -   -   v
credit.installmentproduct               -   -   -   v   -   vad
credit.creditterms                      -   -   -   va  -   vad
credit.creditapplication                -   -   -   v   -   v
credit.creditline                       -   -   -   v   -   v
credit.installmentplan                  -   -   -   v   -   v
credit.installment                      -   -   -   v   -   v
credit.repayment                        -   -   -   v   -   v
credit.creditevent                      -   -   -   v   -   v
credit.statement                        -   -   -   v   -   v
credit.unreachablebuyer                 -   -   -   v   -   v
credit.emergencycontactattempt          -   -   -   v   -   v
credit.reminderpolicy                   -   -   -   v   -   v
credit.reminderdelivery                 -   -   -   v   -   v
credit.reminder                         -   -   -   v   -   v
credit.riskassessment                   -   -   -   -   v   v
credit.risksettings                     -   -   -   -   v   v
credit.riskrule                         -   -   -   -   v   v
credit.checkoutfingerprint              -   -   -   -   v   v
credit.devicesighting                   -   -   -   -   v   v
credit.shopcashoutrisk                  -   -   -   -   v   v
"""

# Models whose admin URL is not the row's pk (DRF's token proxy shows user ids but looks tokens up by key):
# their pages are asked for a missing row.
ADMIN_MISSING = {"authtoken.tokenproxy"}

# Minimal valid bodies, so that a refused role gets past validation and reaches the ownership check.
# "@x" is the id of the world's object x, "{x}" in a field name too (the web forms have per-item prefixes).
SHIPPING = {"carrier": "SF", "tracking_number": "SF900"}
BODIES = {
    "api-order-ship": SHIPPING, "orders:order-ship": {"ship-carrier": "SF", "ship-tracking_number": "SF900"},
    "api-after-sales-ship-return": SHIPPING, "api-after-sales-ship-replacement": SHIPPING,
    "api-order-review": {"rating": 5, "text": "Good."},
    "orders:order-review": {"review-rating": 5, "review-text": "Good."},
    "api-after-sales-reject": {"reason": "Not faulty."}, "api-after-sales-escalate": {"reason": "Please look."},
    "api-after-sales-evidence": {"text": "A photo."},
    "api-staff-after-sales-rule": {"decision": "reject", "at_fault": "none", "note": "No fault."},
    "api-staff-shop-suspend": {"reason": "Complaints."}, "api-staff-listing-remove": {"reason": "Counterfeit."},
    "api-staff-credit-decide": {"decision": "decline", "note": "Checked."},
    "api-staff-risk-decide": {"decision": "approve", "note": "Checked."},
    "api-shop-deposit": {"amount": "100.00"},
    "api-credit-repayments": {"plan": "@plan", "mode": "next"},
    "orders:order-pay": {"outcome": "approve", "key": "matrix-1"},
    "orders:cart-update": {"item{cart_item}-quantity": 2},
    "credit:repay": {"mode": "next", "idempotency_key": "matrix-2"},
}
ARGS = {"key": "email_messages", "image_pk": "image", "url": "nowhere/", "app_label": "marketplace",
        "field": {"admin:credit_checkoutfingerprint_reveal": "ip", "admin:credit_devicesighting_reveal": "ip",
                  "*": "phone"},
        "action": {"protection:case-action": "approve", "merchant-listing-transition": "pause"}}


def _parse(text: str, key_columns: int) -> dict:
    rows = {}
    for line in text.strip().splitlines()[1:]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split()
        key = tuple(cells[:key_columns])
        assert key not in rows, f"two rows for {key}"
        rows[key] = cells[key_columns:]
    return rows


def rules() -> dict:
    """{(route, method): (object, {role: status})}."""
    parsed = {}
    for (route, method), cells in _parse(RULES_TABLE, 2).items():
        obj, statuses = cells[0], cells[1:]
        assert len(statuses) == len(ROLES), f"{route} {method}: {len(statuses)} statuses for {len(ROLES)} roles"
        parsed[route, method] = (obj, dict(zip(ROLES, statuses, strict=True)))
    return parsed


def admin_rules() -> dict:
    parsed = {}
    for (model,), cells in _parse(ADMIN_TABLE, 1).items():
        assert len(cells) == len(STAFF), model
        parsed[model] = dict(zip(STAFF, cells, strict=True))
    return parsed


ADMIN_KINDS = ("changelist", "add", "change", "history", "delete", "object")


def admin_expected(app: str, model: str, kind: str, role: str, perms: dict, world) -> str:
    if role not in STAFF:
        return "AL"
    allowed = perms[role]
    exists = admin_object(app, model, world) is not None
    if kind == "object":
        return "R"
    if kind == "changelist":
        return "200" if "v" in allowed else "403"
    if kind == "add":
        return "200" if "a" in allowed else "403"
    if kind in ("change", "history"):
        if not exists:
            return "R" if kind == "history" or "v" in allowed else "403"
        return "200" if "v" in allowed else "403"
    if kind == "delete":
        if not exists:
            return "R" if "d" in allowed else "403"
        return "200" if "d" in allowed else "403"
    raise AssertionError(f"no admin rule for {app}.{model} {kind}")


def admin_object(app: str, model: str, world):
    """The first row the model's admin lists (its queryset may be narrower than the table), or None."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    cache = world.__dict__.setdefault("admin_objects", {})
    key = (app, model)
    if f"{app}.{model}" in ADMIN_MISSING:
        return None
    if key not in cache:
        model_class = apps.get_model(app, model)
        request = RequestFactory().get("/admin/")
        request.user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        queryset = admin.site._registry[model_class].get_queryset(request)
        cache[key] = queryset.order_by("pk").first()
    return cache[key]


def status_of(sent) -> str:
    if sent.status == 302:
        if sent.location.startswith("/admin/login/"):
            return "AL"
        if sent.location.startswith("/accounts/login/"):
            return "L"
        return "R"
    return str(sent.status)


def path_for(pattern, obj: str, world) -> str:
    from django.contrib.contenttypes.models import ContentType

    values = {name: world.ids.get(v, v) if isinstance(v, str) else v.get(pattern.name, v.get("*"))
              for name, v in ARGS.items()}
    pk = world.ids[obj] if obj not in ("-", "") and obj in world.ids else None
    values.update(pk=pk, order_id=pk, shop_id=pk)
    admin = admin_model_kind(pattern)
    if admin:
        row = admin_object(admin[0], admin[1], world)
        values["object_id"] = values["id"] = row.pk if row is not None else 999999
        if admin[2] == "rule":
            values["pk"] = world.ids["case"]
    if pattern.name == "admin:view_on_site":
        values["content_type_id"] = ContentType.objects.get_for_model(apps.get_model("marketplace", "listing")).pk
        values["object_id"] = world.ids["listing"]
    return fill(pattern.route, values)


class Caller:
    """A logged-in browser (session) for pages and admin, a token for the API."""

    def __init__(self, world, role):
        self.page = Client(raise_request_exception=False)
        self.api = Client(raise_request_exception=False)
        self.headers = {}
        if role != "anonymous":
            self.page.force_login(world.users[role])
            self.headers = {"HTTP_AUTHORIZATION": f"Token {world.token(role)}"}

    def __call__(self, pattern, method, path, world=None):
        import json

        body = {k.format(**world.ids): world.ids[v[1:]] if isinstance(v, str) and v.startswith("@") else v
                for k, v in BODIES.get(pattern.name, {}).items()}
        if pattern.kind == "api":
            data = json.dumps(body or {}) if method != "get" else ""
            return send(self.api, method, path, data=data, **self.headers)
        from urllib.parse import urlencode

        data = urlencode(body or {}) if method != "get" else ""
        return send(self.page, method, path, data=data, content_type="application/x-www-form-urlencoded")


def routes(world=None):
    """(pattern, main method, expected {role: status}, extra (method, expected) rows), for every pattern."""
    table, admin = rules(), admin_rules()
    out = []
    for pattern in url_patterns():
        if "<path:path>" in pattern.route:  # the development media server, DEBUG only
            continue
        rows = {method: row for (route, method), row in table.items() if route == pattern.name}
        model = admin_model_kind(pattern)
        if not rows and model and model[2] in ADMIN_KINDS and f"{model[0]}.{model[1]}" in admin:
            perms = admin[f"{model[0]}.{model[1]}"]
            expected = {role: admin_expected(*model, role, perms, world) for role in ROLES} if world else {}
            out.append((pattern, "get", "-", expected, {}))
            continue
        if not rows:
            out.append((pattern, None, None, None, {}))
            continue
        methods = pattern.methods()
        main = "get" if "get" in rows else next(iter(rows))
        extra = {m: rows[m][1] for m in rows if m != main}
        assert main in methods or pattern.kind != "api", f"{pattern.name}: the view does not answer {main}"
        out.append((pattern, main, rows[main][0], rows[main][1], extra))
    return out
