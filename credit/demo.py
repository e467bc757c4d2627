"""Demo data of instalment credit: applications and lines, plans on 3, 6 and 12 instalments, repayments,
an overdue instalment with its penalty, a checkout held for cash-out review, a statement; credit staff.

Built on the marketplace's demo buyers and listings, through the credit services and
the marketplace's checkout. The clock cannot be moved here (time-machine is a test
dependency), so the overdue instalment comes from running the daily overdue job as of
a later day (``installments_mark_overdue(today=...)``): its due date is still ahead on
the calendar, but it is overdue, charged a penalty and the line frozen, as it would be
that day.
"""
from datetime import timedelta

from django.utils import timezone

from credit.models import CreditApplication, CreditLine, Installment, InstallmentPlan
from credit.services.applications import application_decide, application_submit
from credit.services.overdue import installments_mark_overdue
from credit.services.quotes import current_terms
from credit.services.repayments import repayment_make
from credit.services.statements import statement_build
from marketplace.demo import BUYERS, PASSWORD, Person, address_of, buy, demo_listing, demo_user, make_staff

CREDIT_OFFICER = Person("creditofficer", "13800009002", "信贷专员孙磊")
RISK_OFFICER = Person("riskofficer", "13800009003", "风控专员吴倩")
# The overdue job runs as of this many days after the first due date: past the 3-day grace, so penalties accrue.
DAYS_OVERDUE = 10
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(region: str, born: str, seq: int) -> str:
    """A resident ID number with a valid check digit (made up: region, birth date, sequence)."""
    body = f"{region}{born}{seq:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


# username → (region code, birth date, income band); buyer5 is 16: declined, and told why.
APPLICANTS = {
    "buyer1": ("110105", "19900315", "15k_30k"),
    "buyer2": ("310115", "19930708", "8k_15k"),
    "buyer3": ("440106", "19851102", "above_30k"),
    "buyer4": ("510107", "19980120", "3k_8k"),
    "buyer5": ("330106", "20100520", "3k_8k"),
    "buyer6": ("500103", "19910909", "15k_30k"),
    # Both give a phone another applicant already gave, so they wait for a credit officer.
    "buyer7": ("320106", "19960412", "8k_15k"),
    "buyer8": ("440305", "19881230", "8k_15k"),
}
SHARED_PHONE = {"buyer7": "buyer1", "buyer8": "buyer2"}


def logins() -> list[tuple[str, str, str]]:
    return [("staff: credit officer", CREDIT_OFFICER.username, PASSWORD),
            ("staff: risk officer", RISK_OFFICER.username, PASSWORD)]


def seed(*, stdout) -> list[tuple[str, str, str]]:
    buyers = [person.username for person in BUYERS]
    if CreditApplication.objects.filter(user__username__in=buyers).exists():
        stdout.write("    credit demo data already there: nothing to do")
        return logins()
    officer = make_staff(CREDIT_OFFICER, "Credit officers")
    make_staff(RISK_OFFICER, "Risk officers")
    stdout.write(f"    staff: {CREDIT_OFFICER.username} (Credit officers), {RISK_OFFICER.username} (Risk officers)")

    users = {username: demo_user(username) for username in buyers}
    applications = _applications(users, officer)
    stdout.write("    applications: " + "; ".join(
        f"{name} {app.status}" + (f" {app.limit_amount}" if app.status == "approved" else "")
        + (f" ({', '.join(app.reasons)})" if app.status != "approved" else "")
        for name, app in applications.items()))

    _overdue(users["buyer4"], stdout)
    _plans(users, stdout)

    line = CreditLine.objects.get(user=users["buyer2"])
    statement = statement_build(line=line, period=timezone.localdate())
    stdout.write(f"    statement: buyer2, {statement.period:%Y-%m} "
                 f"(closing balance {statement.closing_balance_amount})")
    return logins()


def _applications(users, officer) -> dict[str, CreditApplication]:
    terms = current_terms()
    consent = {"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version}
    names = {person.username: person for person in BUYERS}
    done = {}
    for seq, (username, (region, born, income)) in enumerate(APPLICANTS.items(), start=11):
        phone = names[SHARED_PHONE.get(username, username)].phone
        contacts = [{"name": "王建国", "phone": "13800003001", "relation": "parent"}] if username == "buyer1" else []
        done[username] = application_submit(
            actor=users[username], real_name=names[username].name, id_number=id_number(region, born, seq),
            phone=phone, income_band=income, emergency_contacts=contacts, consent=consent)
    # A credit officer checks one of the two held applications and approves it with a lower limit.
    done["buyer8"] = application_decide(actor=officer, application=done["buyer8"], decision="approve", limit="2000.00",
                                        note="电话核实：申请人与李娜为夫妻，共用一个手机号，身份无误。首次额度从低。")
    return done


def _overdue(buyer, stdout) -> None:
    """A 3-instalment plan whose first instalment is overdue, as the daily job finds it DAYS_OVERDUE days on."""
    order = buy(buyer, [(demo_listing("云南普洱熟茶饼 357g（2018年）"), 1)],
                payment={"method": "installment", "installments": 3})
    plan = InstallmentPlan.objects.get(order=order)
    first = plan.installments.order_by("number").first()
    as_of = first.due_date + timedelta(days=DAYS_OVERDUE)
    # The job is platform-wide: run it as of a later day only if nothing but this plan would fall due by then.
    others = Installment.objects.filter(status="scheduled", paused=False, clock_date__lt=as_of).exclude(plan=plan)
    if others.exists():
        stdout.write("    overdue instalment: skipped (other plans would fall due by then)")
        return
    result = installments_mark_overdue(today=as_of)
    first.refresh_from_db()
    line = CreditLine.objects.get(user=buyer)
    stdout.write(f"    overdue: buyer4, 3 instalments, #1 due {first.due_date} overdue as of {as_of} "
                 f"(penalty {first.penalty_amount}, line {line.status}; job: {result.newly_overdue} overdue, "
                 f"{result.frozen} line frozen)")


def _plans(users, stdout) -> None:
    """Accepted checkouts, a repayment, a payoff, and one checkout held for cash-out review.

    Demo orders are received seconds after shipping, which risk control counts against a
    buyer and shop who trade again (``completed_without_tracking``); so each accepted
    checkout here is a buyer's first order from that shop.
    """
    def credit(count):
        return {"method": "installment", "installments": count}

    phone = buy(users["buyer1"], [(demo_listing("国产旗舰手机 12GB+256GB 云白"), 1)], stage="shipped",
                payment=credit(12))

    tent = buy(users["buyer2"], [(demo_listing("双人防暴雨帐篷 双层铝杆"), 1)], payment=credit(6))
    repayment = repayment_make(actor=users["buyer2"], plan=InstallmentPlan.objects.get(order=tent), mode="next",
                               idempotency_key="demo-next-1")

    teapot = buy(users["buyer3"], [(demo_listing("宜兴紫砂壶 原矿朱泥 西施壶 220ml"), 1)], payment=credit(3))
    payoff = repayment_make(actor=users["buyer3"], plan=InstallmentPlan.objects.get(order=teapot), mode="payoff",
                            idempotency_key="demo-payoff-1")

    # Cash-out pattern: the whole of a brand-new limit, delivered to the merchant's own phone. Held for review.
    laptop = demo_listing("轻薄笔记本电脑 14英寸 i5/16G/512G")
    held = buy(users["buyer6"], [(laptop, 1)], stage="paid", payment=credit(12),
               address={**address_of(users["buyer6"]), "phone": str(laptop.shop.owner.phone)})

    plans = {plan.order_id: plan for plan in InstallmentPlan.objects.filter(order__in=[phone, tent, teapot, held])}
    stdout.write(f"    plans: buyer1 12 interest-free (order {phone.status}); buyer2 6 (order {tent.status}, "
                 f"instalment #1 repaid: {repayment.amount}); buyer3 3 (paid off: {payoff.amount}, plan "
                 f"{plans[teapot.pk].status}); buyer6 12 (order {held.status}: held for cash-out review)")
