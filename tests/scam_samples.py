"""Scam texts for the tests, one per pattern, written for the tests (not from the labelled set
in benchmarks/scam-set.yaml, which measures the patterns), and ordinary messages residents
forward."""

from __future__ import annotations

# pattern id → a message a resident might forward.
SCAM_TEXTS = {
    "impersonate-officials": (
        "我是县公安局刑侦大队的民警，你的身份证被人用来办卡参与洗钱，已经立案，"
        "要通缉你。配合调查就把存款转到我们的账户做资金核查，不许告诉家人。"
    ),
    "fake-customer-service-refund": (
        "您好，我是拼多多售后客服，您上周买的羽绒服有质量问题被召回，"
        "我们给您三倍退款，请加客服微信按指引操作领取。"
    ),
    "task-rebate": (
        "在家动动手指就能赚钱！招聘兼职点赞员，给抖音视频点赞截图，一单一结，"
        "日赚三百，做完任务立返佣金，进群找导师接单。"
    ),
    "fake-investment": (
        "王老师带单，内部消息，下周这只牛股稳赚翻倍，投资一万收益五万，进VIP群拿体验金，名额有限。"
    ),
    "impersonate-boss": (
        "小周，我是你们连长，这是我新微信，存一下。我在开会不方便接电话，"
        "有个工程款急需周转，你先帮我转两万到这个账户，办好了截图给我。"
    ),
    "impersonate-relatives": (
        "妈，我是你儿子，手机掉水里了这是新号。我在外面出了点事撞了人，急用钱私了，"
        "你赶紧给我同学的卡打两万，千万别告诉我爸。"
    ),
    "prize-subsidy": (
        "恭喜您！您的手机号在年终回馈活动中抽中二等奖，奖金五万元，"
        "请三天内点击链接登记领取，先交手续费八百元，逾期视为自动放弃。"
    ),
    "loan-credit-repair": (
        "急用钱？无抵押无担保，凭身份证就能贷款，黑户也能下款，十分钟到账。"
        "先交一千元会员费激活额度。"
    ),
    "health-products": (
        "叔叔阿姨们好，我们的灵芝孢子粉是专家秘方，能治高血压糖尿病，吃了能停掉降压药，"
        "今天讲座现场买三盒送两盒，机会难得。"
    ),
    "pension-investment": (
        "以房养老好项目：把房子抵押给我们公司，每月拿百分之三的高息分红，"
        "国家扶持保本保息，先交会员费入会。"
    ),
    "online-purchase-wechat": (
        "二手拖拉机低价转让，九成新，平台收手续费太高，加我微信私下交易，先付定金我就发货。"
    ),
    "verification-code": (
        "阿姨我是小区物业的，刚才给您手机发了一个六位数验证码，"
        "是我不小心发错了，麻烦把数字发给我一下。"
    ),
    "medical-insurance": (
        "【医保中心】您的医保卡因在外地违规刷卡已被冻结，即将停用，"
        "请在今天内回电配合核实，逾期将影响报销。"
    ),
    "etc-express-claim": (
        "您好，我是中通快递的，您的包裹在运输中丢失了，我们给您三倍理赔，请扫码添加理赔专员办理。"
    ),
    "account-unfreeze": (
        "【风控中心】您的银行卡因异常交易已被冻结，请立即回复卡号和密码进行身份验证，"
        "否则账户将永久冻结，资金清零。"
    ),
}

# Ordinary messages residents forward: never called a scam.
ORDINARY_NOTICE = "停水通知：明天上午九点到下午五点，因管道检修，三连生活区停水，请各户提前储水。"
