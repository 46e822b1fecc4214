"""The scam check on examples a resident would send: warned with the right pattern, sent to the
adviser when unsure, and ordinary questions and notices left alone. Never "safe".

The examples here were written apart from ``benchmarks/scam-set.yaml`` (which measures the
patterns) and from the patterns themselves.
"""

from __future__ import annotations

import pytest

from bot.core.scams import (
    ScamChecker,
    ScamPattern,
    ScamRules,
    ScamVerdict,
    Signal,
    Thresholds,
    VerdictKind,
)
from bot.storage.scams_yaml import load_scam_rules

# (pattern id, text, forwarded)
EXAMPLES = [
    (
        "impersonate-officials",
        "这里是xx市公安局，你的银行账户涉嫌参与一起电信诈骗洗钱案，请你立刻配合我们做资金清查，不要告诉任何人。",
        False,
    ),
    (
        "impersonate-officials",
        "我是检察院的，你名下的银行卡涉嫌违法，现在要冻结你的资产，先交十万保证金可以申请取保候审。",
        True,
    ),
    (
        "impersonate-officials",
        "刚才有个警察跟我视频，给我看了通缉令，说我涉嫌洗钱，这是不是骗子",
        False,
    ),
    (
        "fake-customer-service-refund",
        "您好，我是抖音客服，您开通的直播会员每月自动扣费，现在帮您取消，需要您打开支付宝备用金操作一下。",
        False,
    ),
    (
        "fake-customer-service-refund",
        "亲，您买的鞋子有质量问题，我们给您双倍赔偿，请添加售后客服QQ办理退款。",
        True,
    ),
    (
        "fake-customer-service-refund",
        "有个淘宝客服打电话说要给我退款，让我下载一个会议软件开屏幕共享，能信吗",
        False,
    ),
    ("task-rebate", "招聘网络兼职，点赞关注就能赚钱，一单5元，日结，在家就能做，名额有限。", False),
    (
        "task-rebate",
        "恭喜完成新手任务，佣金已到账，下一单是连单任务，需垫付3000元，完成后返还本金和佣金。",
        True,
    ),
    (
        "task-rebate",
        "群里说做刷单任务能返利，前两单给了我钱，现在让我充值一万，是不是骗人的",
        False,
    ),
    (
        "fake-investment",
        "跟着老师炒股，内部消息，一个月收益翻倍，稳赚不赔，加入我们的VIP投资群。",
        False,
    ),
    ("fake-investment", "这个虚拟币平台收益很高，每天返利百分之五，保本保息，邀请码发你了。", True),
    (
        "fake-investment",
        "网上认识的导师带我投资外汇，赚了不少，现在提现说要先交保证金，是真的吗",
        False,
    ),
    ("impersonate-boss", "我是你们李书记，这是我新号，你先存一下，明天上午来我办公室。", False),
    (
        "impersonate-boss",
        "小张，我是王局长，我在开会不方便接电话，有个朋友急用钱，你先帮我转五万过去。",
        True,
    ),
    ("impersonate-boss", "有人加我微信说是我老战友，换了号，手头紧要借两万，这个靠谱吗", False),
    (
        "impersonate-relatives",
        "妈，我手机丢了，用同学手机发的，我急需交学费五千，你先转到这个卡上，别告诉爸。",
        False,
    ),
    (
        "impersonate-relatives",
        "爷爷，我是你孙子，我打架被派出所抓了，要交两万块钱才能出来，千万别告诉我爸妈。",
        True,
    ),
    ("impersonate-relatives", "接到电话说我儿子出车祸住院了，让我马上打手术费，这是真的吗", False),
    (
        "prize-subsidy",
        "恭喜您获得老年人生活补贴1800元，请点击链接 http://lnbt.top 填写银行卡信息领取，逾期作废。",
        False,
    ),
    ("prize-subsidy", "恭喜您中了二等奖，奖金五万元，领奖前需先缴纳个人所得税2000元。", True),
    ("prize-subsidy", "收到短信说我有一笔高龄补贴可以领，让我点链接填银行卡，这是不是骗子", False),
    ("loan-credit-repair", "无抵押贷款，不看征信，当天放款，先交3000元保证金就能下款。", False),
    (
        "loan-credit-repair",
        "您的贷款审核已通过，但因卡号填写错误资金被冻结，请缴纳解冻金后放款。",
        True,
    ),
    (
        "loan-credit-repair",
        "有人说能帮我修复征信，删除逾期记录，要先交两千块钱服务费，靠谱吗",
        False,
    ),
    (
        "health-products",
        "这个保健品能降血压降血糖，吃了就能停掉降压药，今天讲座现场买三盒送一盒。",
        False,
    ),
    ("health-products", "老专家免费义诊，到场送鸡蛋，特效药包治百病，限时优惠。", True),
    ("health-products", "我爸在健康讲座上买了能治癌症的神药，花了一万多，是不是骗人的", False),
    ("pension-investment", "以房养老新项目，房子抵押给我们，每月给您发高额利息，保本保息。", False),
    (
        "pension-investment",
        "养老公寓床位认购，预交会员费5万元，每年返还10%的收益，到期退还本金。",
        True,
    ),
    ("pension-investment", "有人推销养老项目，说投十万每月返利两千，保本，能投吗", False),
    (
        "online-purchase-wechat",
        "平台抽成太高，加我微信私下交易，给你便宜三百，先转账后发货。",
        False,
    ),
    ("online-purchase-wechat", "出售二手拖拉机，价格便宜，不走平台，加微信付定金。", True),
    ("online-purchase-wechat", "闲鱼上的卖家让我加他微信，说用他发的链接付款更安全，能信吗", False),
    (
        "account-unfreeze",
        "【工商银行】您的账户存在异常交易已被冻结，请立即点击 http://icbc-jd.top 验证身份解冻。",
        False,
    ),
    (
        "account-unfreeze",
        "您的银行卡有风险，资金被锁定，请把余额转入安全账户保管，核实后原路返还。",
        True,
    ),
    ("account-unfreeze", "收到短信说我的支付宝账户被冻结了，要交解冻费，这是真的吗", False),
    (
        "verification-code",
        "我是你表哥，换了新手机登录微信要好友辅助验证，你收到验证码后发给我。",
        False,
    ),
    ("verification-code", "您好，我是移动客服，为您办理话费返还，请把刚收到的验证码告诉我。", True),
    ("verification-code", "有人打电话让我把手机收到的验证码念给他，说是办业务用的，能念吗", False),
    (
        "medical-insurance",
        "【医保中心】您的医保卡存在违规消费记录，已被冻结，请点击链接 http://ybk.top 解冻。",
        False,
    ),
    (
        "medical-insurance",
        "您好，您的社保卡需要升级，请提供银行卡号和密码，否则社保卡将停用。",
        True,
    ),
    ("medical-insurance", "有人打电话说我的医保卡在外地被盗刷了，要我配合转钱，这是真的吗", False),
    (
        "etc-express-claim",
        "【ETC】您的ETC认证已失效，请尽快点击 http://etc-gx.top 重新认证，以免影响通行。",
        False,
    ),
    (
        "etc-express-claim",
        "您好，我是圆通快递，您的包裹丢失了，我们按三倍理赔，请加理赔专员微信。",
        True,
    ),
    (
        "etc-express-claim",
        "快递员说我的快递丢了要给我理赔，让我扫他发的二维码，这是不是骗子",
        False,
    ),
]

ORDINARY_TYPED = [
    "借条没写还款日期过了三年还能要吗",
    "被电信诈骗了怎么办",
    "被骗的钱报了警能要回来吗",
    "老伴的退休金被儿子拿走了，我能要回来吗",
    "村里征地补偿款怎么分",
    "我买的保健品吃了没效果，能退吗",
    "贷款到期还不上了，银行会起诉我吗",
    "儿媳妇要离婚，孙子归谁",
    "快递员把我的包裹弄丢了，能要求赔偿吗",
    "养老保险断缴了还能补吗",
    "邻居的羊吃了我家的麦苗，怎么赔",
    "工地老板拖欠工资半年了，去哪告",
]

ORDINARY_FORWARDED = [
    "【五十一团】今年冬小麦种植补贴已经发放到一卡通，请各户自行查询，有疑问到连队咨询。",
    "明天下午四点连队开职工大会，讨论明年的种植计划，请大家准时到会。",
    "【中国农业银行】您尾号6612账户12月06日消费支出88.50元，余额1,456.20元。",
    "【菜鸟驿站】您的快递已到团部驿站，取件码3-1-1186，请及时领取。",
    "【团医院】您预约的12月10日上午内科门诊已成功，请携带身份证按时就诊。",
    "哥，妈这两天感冒了，我带她去团医院看了，开了点药，已经好多了。",
    "【反诈中心提醒】冒充客服说给您退款、让您开备用金的都是诈骗，切勿轻信。",
    "社区通知：本周五上午为80岁以上老人上门办理高龄津贴认证，不收任何费用。",
    "【铁路12306】您已购买12月25日K1352次列车车票，请提前到站乘车。",
    "孙子放寒假了，下周回来看你们，给你们带了新疆大枣和羊毛袜。",
]


@pytest.fixture(scope="module")
def checker() -> ScamChecker:
    return ScamChecker(load_scam_rules())


@pytest.mark.parametrize(("expected", "text", "forwarded"), EXAMPLES)
def test_a_scam_text_is_warned_with_its_pattern(
    checker: ScamChecker, expected: str, text: str, forwarded: bool
) -> None:
    verdict = checker.check(text, forwarded=forwarded)
    assert verdict.kind is VerdictKind.WARN, verdict
    assert verdict.pattern is not None and verdict.pattern.id == expected, verdict.reasons


def test_every_pattern_has_examples() -> None:
    rules = load_scam_rules()
    assert {p.id for p in rules.patterns} == {e[0] for e in EXAMPLES}


@pytest.mark.parametrize("text", ORDINARY_TYPED)
def test_a_typed_legal_question_is_left_to_the_faq(checker: ScamChecker, text: str) -> None:
    assert checker.check(text).kind is VerdictKind.NOT_A_CHECK


@pytest.mark.parametrize("text", ORDINARY_FORWARDED)
def test_an_ordinary_forwarded_message_is_not_called_a_scam(
    checker: ScamChecker, text: str
) -> None:
    assert checker.check(text, forwarded=True).kind is not VerdictKind.WARN


def test_forwarding_lowers_the_bar(checker: ScamChecker) -> None:
    # a "subsidy" without link, money or urgency: too little for a typed text, enough forwarded
    text = "恭喜您，您的补贴审批下来了。"
    assert checker.check(text).kind is VerdictKind.NOT_A_CHECK
    forwarded = checker.check(text, forwarded=True)
    assert forwarded.kind is VerdictKind.WARN
    assert forwarded.pattern is not None and forwarded.pattern.id == "prize-subsidy"


def test_asking_makes_a_check_the_desk_cannot_classify_go_to_the_adviser(
    checker: ScamChecker,
) -> None:
    verdict = checker.check("帮我看看这条短信：您好，请您尽快回电，有重要事情。")
    assert verdict.kind is VerdictKind.UNSURE
    assert verdict.pattern is None
    assert verdict.is_check


def test_a_forwarded_message_with_a_link_but_no_pattern_goes_to_the_adviser(
    checker: ScamChecker,
) -> None:
    verdict = checker.check(
        "您好，您有一份文件待查看，请点击 http://a8x.top/k2 立即查看。", forwarded=True
    )
    assert verdict.kind is VerdictKind.UNSURE
    assert "链接" in verdict.reasons


def test_links_and_phone_numbers_are_found_next_to_chinese_characters(
    checker: ScamChecker,
) -> None:
    link = checker.check("请登录zfb-safe.top完成认证", forwarded=True)
    assert "链接" in link.reasons
    phone = checker.check("帮我看看：请联系0991-62839110办理", forwarded=True)
    assert "电话或账号" in phone.reasons


def test_traditional_characters_and_full_width_text_are_read_alike(checker: ScamChecker) -> None:
    verdict = checker.check("爸，我手機丟了，這是新號，急用錢，先轉一萬到這張卡上，別告訴媽。")
    assert verdict.pattern is not None and verdict.pattern.id == "impersonate-relatives"
    full_width = checker.check("ＥＴＣ已失效，请点击ｈｔｔｐ://ｅｔｃ-ｒｚ.ｃｎ重新认证")
    assert full_width.pattern is not None and full_width.pattern.id == "etc-express-claim"


def test_an_anti_fraud_notice_is_not_warned_about(checker: ScamChecker) -> None:
    notice = "【派出所提醒】公检法不会打电话让你转账到安全账户，说你涉嫌洗钱的都是骗子，谨防上当。"
    assert checker.check(notice, forwarded=True).kind is not VerdictKind.WARN
    assert checker.check(notice).kind is not VerdictKind.WARN


def test_there_is_no_safe_verdict() -> None:
    assert {k.value for k in VerdictKind} == {"warn", "unsure", "not_a_check"}
    with pytest.raises(ValueError):
        ScamVerdict(VerdictKind.WARN)
    with pytest.raises(ValueError):
        ScamVerdict(VerdictKind.UNSURE, pattern=_tiny().patterns[0])


def _tiny(**thresholds: int) -> ScamRules:
    pattern = ScamPattern(
        id="code",
        name="验证码索取",
        entry="fraud-antifraud-tools",
        advice=("验证码谁要都不给。",),
        signals=(Signal.cue("验证码", 3), Signal.pattern("发给?我", 2)),
    )
    return ScamRules(
        patterns=(pattern,),
        triggers=(Signal.cue("帮我看看", 1),),
        cues=(Signal.pattern(r"https?://", 2, "链接"),),
        questions=(Signal.cue("怎么办", 2),),
        counters=(Signal.cue("请勿泄露", 4),),
        thresholds=Thresholds(**thresholds),
    )


def test_the_thresholds_decide_between_warning_adviser_and_faq() -> None:
    checker = ScamChecker(_tiny(warn=4, strong=6, forwarded=2))
    assert checker.check("验证码发我").kind is VerdictKind.NOT_A_CHECK  # 5 < strong
    assert checker.check("验证码发我 http://x.cn").kind is VerdictKind.WARN  # 5 + 2
    assert checker.check("验证码发我", forwarded=True).kind is VerdictKind.WARN
    assert checker.check("帮我看看验证码").kind is VerdictKind.UNSURE  # asked, 3 < warn
    assert checker.check("随便说说", forwarded=True).kind is VerdictKind.NOT_A_CHECK
    assert checker.check("验证码123，请勿泄露", forwarded=True).kind is VerdictKind.NOT_A_CHECK
    # anti-fraud words: never a warning, at most the adviser
    assert checker.check("帮我看看 验证码发我 请勿泄露").kind is VerdictKind.UNSURE
    # a resident's own question lowers a typed text's suspicion, not a forwarded one's
    assert checker.check("验证码发我 http://x.cn 怎么办").kind is VerdictKind.NOT_A_CHECK
    assert checker.check("验证码发我 http://x.cn 怎么办", forwarded=True).kind is VerdictKind.WARN


def test_every_forwarded_message_is_a_check_when_the_threshold_is_zero() -> None:
    checker = ScamChecker(_tiny(forwarded=0))
    verdict = checker.check("明天开会", forwarded=True)
    assert verdict.kind is VerdictKind.UNSURE


def test_a_signal_counts_once_however_often_it_occurs() -> None:
    checker = ScamChecker(_tiny())
    assert checker.check("帮我看看 验证码 验证码 验证码").score == 3


def test_bad_signals_are_refused() -> None:
    with pytest.raises(ValueError, match="letters or digits"):
        Signal.cue("！？", 1)
    with pytest.raises(ValueError, match="regular expression"):
        Signal.pattern("(unclosed", 1)
    with pytest.raises(ValueError, match="empty"):
        Signal.pattern("a*", 1)
