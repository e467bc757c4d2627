"""Demo data of after-sales protection: cases at every step, on orders the demo buyers place from the demo shops.

Built on the marketplace's demo data (its buyers, shops and listings) and made
through the protection services, the way buyers, merchants and customer service
act on the site. The refunds go through the marketplace's one refund path, so some
orders end ``refunded`` or ``partially_refunded``.
"""
from marketplace.demo import BUYERS as DEMO_BUYERS
from marketplace.demo import SUPPORT, buy, demo_listing, demo_user
from protection.models import AfterSalesCase
from protection.services.cases import case_approve, case_open, case_reject
from protection.services.evidence import evidence_add
from protection.services.returns import replacement_ship, return_confirm, return_ship
from protection.services.rulings import case_escalate, ruling_record


def seed(*, stdout) -> list[tuple[str, str, str]]:
    buyers = [person.username for person in DEMO_BUYERS]
    if AfterSalesCase.objects.filter(buyer__username__in=buyers).exists():
        stdout.write("    after-sales demo cases already there: nothing to do")
        return []
    users = {username: demo_user(username) for username in buyers}
    support = demo_user(SUPPORT)
    cases = _cases(users, support)
    counts = {}
    for case in cases:
        case.refresh_from_db()
        counts[case.status] = counts.get(case.status, 0) + 1
    stdout.write(f"    after-sales cases: {len(cases)} (" + ", ".join(f"{n} {s}" for s, n in counts.items()) + ")")
    return []  # the buyers, merchants and customer service logins come with the marketplace's demo data


def _open(buyer, order, *, type, reason, description, amount=None, line=None):
    return case_open(actor=buyer, order=order, line=line or order.lines.order_by("pk").first(), type=type,
                     reason=reason, description=description, amount=amount)


def _cases(b, support) -> list[AfterSalesCase]:
    t = demo_listing
    cases = []

    # Requested: waiting for the merchant's answer (48 hours).
    order = buy(b["buyer2"], [(t("休闲运动鞋 透气网面 男女同款"), 1)])
    cases.append(_open(b["buyer2"], order, type="return_refund", reason="no_reason",
                       description="尺码偏大，穿着不跟脚，想退货。鞋子没有下过地，吊牌都在。"))

    # Approved, awaiting the return: the buyer has 7 days to send the goods back.
    order = buy(b["buyer3"], [(t("纯棉四件套 1.8m床 简约条纹"), 1)])
    case = _open(b["buyer3"], order, type="return_refund", reason="quality",
                 description="第一次洗完被套就起球了，和描述的“越洗越软”不符。")
    cases.append(case_approve(actor=order.shop.owner, case=case))

    # Return on its way: the merchant confirms it within 7 days of delivery.
    order = buy(b["buyer4"], [(t("便携蓝牙音箱 IPX7防水"), 1)])
    case = _open(b["buyer4"], order, type="return_refund", reason="no_reason",
                 description="音色不是我喜欢的类型，七天无理由退货。")
    case = case_approve(actor=order.shop.owner, case=case)
    cases.append(return_ship(actor=b["buyer4"], case=case, carrier="顺丰速运", tracking_number="SF1408823377"))

    # Refunded after the return came back: one line of a two-line order (partially refunded).
    order = buy(b["buyer5"], [(t("钛保温杯 500ml"), 1), (t("加厚瑜伽垫 TPE 6mm 防滑"), 1)])
    case = _open(b["buyer5"], order, type="return_refund", reason="damaged",
                 description="保温杯杯身有明显凹痕，外包装完好，应该是出厂前就有的。")
    case = case_approve(actor=order.shop.owner, case=case)
    case = return_ship(actor=b["buyer5"], case=case, carrier="中通快递", tracking_number="ZTO7731926054")
    cases.append(return_confirm(actor=order.shop.owner, case=case))

    # Refund only before shipping: approved, refunded at once (the order is refunded in full).
    order = buy(b["buyer6"], [(t("安溪铁观音 清香型 礼盒装 500g"), 1)], stage="paid")
    case = _open(b["buyer6"], order, type="refund_only", reason="no_reason",
                 description="拍错了，本来想买浓香型的，还没发货麻烦退款。")
    cases.append(case_approve(actor=order.shop.owner, case=case))

    # Partial refund agreed with the merchant: the order stays, partially refunded.
    order = buy(b["buyer5"], [(t("明前西湖龙井 特级 250g 礼盒"), 2)])
    cases.append(case_approve(actor=order.shop.owner, case=_open(
        b["buyer5"], order, type="partial_refund", reason="damaged", amount="50.00",
        description="一盒礼盒外包装压坏了，茶叶没问题，和店家商量好补偿50元。")))

    # Exchange done: goods back, replacement shipped with its own tracking number.
    order = buy(b["buyer4"], [(t("男士免烫长袖衬衫 纯棉"), 1)])
    case = _open(b["buyer4"], order, type="exchange", reason="no_reason", description="想换大一码（L换XL）。")
    case = case_approve(actor=order.shop.owner, case=case)
    case = return_ship(actor=b["buyer4"], case=case, carrier="圆通速递", tracking_number="YT6620418855")
    case = return_confirm(actor=order.shop.owner, case=case)
    cases.append(replacement_ship(actor=order.shop.owner, case=case, carrier="圆通速递",
                                  tracking_number="YT6620419901"))

    # Rejected by the merchant: the buyer may still ask the platform to step in.
    order = buy(b["buyer7"], [(t("钢笔礼盒 书法练字 EF尖"), 1)])
    case = _open(b["buyer7"], order, type="refund_only", reason="quality",
                 description="钢笔出水断断续续，写几个字就不出墨了。")
    cases.append(case_reject(actor=order.shop.owner, case=case,
                             reason="新笔笔尖有防锈油，用温水冲洗后即可正常出水，已发视频教程，不属于质量问题。"))

    # Rejected, then escalated (平台介入): waiting for customer service to rule, with evidence from both sides.
    order = buy(b["buyer8"], [(t("机械键盘 87键 茶轴 有线款"), 1)])
    case = _open(b["buyer8"], order, type="return_refund", reason="quality",
                 description="用了三天，空格键和回车键经常失灵，要按好几下。")
    case = case_reject(actor=order.shop.owner, case=case, reason="出厂前逐键测试过，怀疑是进水导致，请提供视频。")
    case = case_escalate(actor=b["buyer8"], case=case, reason="键盘从没沾过水，已上传按键失灵的视频截图，请平台判断。")
    evidence_add(actor=b["buyer8"], case=case, text="按键测试软件截图：空格键按10次只识别了6次。")
    evidence_add(actor=order.shop.owner, case=case, text="同批次键盘出厂检测记录，全部按键通过测试。")
    cases.append(case)

    # Escalated and ruled: refund, the merchant at fault (the listing overstated the fabric).
    order = buy(b["buyer1"], [(t("真丝连衣裙 桑蚕丝 中长款"), 1)])
    case = _open(b["buyer1"], order, type="refund_only", reason="not_as_described",
                 description="标注100%桑蚕丝，洗标写的是“桑蚕丝70% 涤纶30%”。")
    case = case_reject(actor=order.shop.owner, case=case, reason="面料供应商提供的就是真丝面料，不同意退款。")
    case = case_escalate(actor=b["buyer1"], case=case, reason="洗标和商品描述不一致，照片已上传。")
    evidence_add(actor=b["buyer1"], case=case, text="洗标照片：桑蚕丝70% 涤纶30%。")
    cases.append(ruling_record(actor=support, case=case, decision="refund", at_fault="merchant",
                               note="洗标成分与商品页“100%桑蚕丝”不符，属描述不符，支持买家全额退款，商家承担责任。"))

    # Escalated and ruled: claim rejected, nobody at fault (no evidence of a defect).
    order = buy(b["buyer2"], [(t("北欧实木餐椅 两把装"), 1)])
    case = _open(b["buyer2"], order, type="refund_only", reason="quality",
                 description="椅腿有几道划痕。")
    case = case_reject(actor=order.shop.owner, case=case, reason="签收时买家确认完好，划痕是使用中产生的。")
    case = case_escalate(actor=b["buyer2"], case=case, reason="收货时没注意看，但我没怎么用过。")
    cases.append(ruling_record(actor=support, case=case, decision="reject", at_fault="none",
                               note="签收单注明外观完好，买家未能提供到货时的照片，证据不足，驳回申请。"))
    return cases
