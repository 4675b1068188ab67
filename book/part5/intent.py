"""A generated Chinese customer-service corpus: intents, templates with slots, and an FAQ.

Part V, chapter 04 (the article's §5.4 "智能客服"). Every question is a template of its intent filled with
slot values. Evaluation is honest only when whole templates are held out: a random split of the filled
questions puts the same template on both sides, and the classifier is then tested on wordings it has seen.
"""
from __future__ import annotations

import numpy as np

from .._checks import check_positive_int

SLOTS: dict[str, list[str]] = {
    "item": ["耳机", "手机壳", "连衣裙", "咖啡机", "运动鞋", "台灯", "充电宝", "洗发水", "行李箱", "键盘"],
    "order": [],  # filled with random order numbers
    "time": ["昨天", "上周", "三天前", "今天早上", "前天", "上个月", "刚才"],
    "city": ["北京", "上海", "成都", "杭州", "广州", "武汉", "西安"],
    "coupon": ["满减券", "新人券", "折扣券", "运费券"],
}

TEMPLATES: dict[str, list[str]] = {
    "查询物流": ["我{time}买的{item}到哪了", "订单{order}的快递怎么还没到", "帮我查一下{item}的物流",
             "{item}发货了吗", "我的包裹{time}就该到了，现在在哪", "快递一直显示在{city}没动", "物流信息{time}就不更新了", "{item}派送到哪一步了"],
    "退货退款": ["{item}不想要了，怎么退货", "订单{order}申请退款", "退款什么时候到账",
             "{time}退的{item}钱还没退回来", "{item}有质量问题，我要退", "七天无理由退货怎么操作", "退货的运费谁出", "{item}尺码不合适，想退掉"],
    "修改地址": ["收货地址写错了，能改成{city}吗", "订单{order}的地址要改一下", "我搬家到{city}了，帮我换个收货地址",
             "{item}还没发货，可以改地址吗", "地址填成{city}了，怎么修改", "能不能把配送地址换成公司", "收件人电话填错了怎么改", "帮我把订单{order}寄到{city}"],
    "开具发票": ["{item}能开发票吗", "订单{order}需要开增值税发票", "发票抬头怎么填",
             "{time}买的东西发票在哪下载", "我要给公司报销，请开发票", "电子发票可以换成纸质的吗", "发票开错了能重开吗", "订单{order}的发票还没收到"],
    "优惠券": ["{coupon}怎么用不了", "{item}能用{coupon}吗", "我的{coupon}过期了还能补吗",
            "下单时{coupon}没有自动抵扣", "哪里可以领{coupon}", "优惠券为什么不能叠加", "退货后{coupon}会退回吗", "{coupon}的使用门槛是多少"],
    "账号登录": ["登录时一直提示密码错误", "手机号换了，账号怎么登录", "收不到登录验证码",
             "{time}账号被锁定了", "怎么修改登录密码", "在{city}登录提示异地风险", "账号被盗了怎么办", "忘记密码了进不去"],
    "投诉建议": ["快递员态度太差了，我要投诉", "{item}和描述严重不符", "客服{time}答应回电，到现在没消息",
             "你们的{item}质量太差", "我要投诉{city}的配送站", "对这次购物体验非常不满意", "{time}收到的{item}是坏的，太失望了", "建议你们改进一下售后流程"],
    "转人工": ["转人工客服", "我要找真人", "机器人听不懂，帮我转人工",
            "{item}的问题能让人工处理吗", "有没有在线的客服人员", "别自动回复了，叫个人来", "人工客服电话是多少", "能不能让真人跟我说"],
}

FAQ: dict[str, tuple[str, str]] = {
    "查询物流": ("我的快递到哪里了？", "在“我的订单”中点击对应订单的“查看物流”，可看到实时的配送进度。"),
    "退货退款": ("怎么申请退货退款？", "在订单详情页点击“申请售后”，选择退货退款；商家同意后 1–3 个工作日原路退回。"),
    "修改地址": ("下单后能修改收货地址吗？", "订单发货前可在订单详情页修改地址；已发货的订单请联系快递改派。"),
    "开具发票": ("怎么开发票？", "在订单详情页点击“申请开票”，填写抬头与税号，电子发票会发到邮箱。"),
    "优惠券": ("优惠券为什么用不了？", "请检查优惠券的有效期、适用商品和最低消费金额；多数优惠券不能叠加使用。"),
    "账号登录": ("登录不了账号怎么办？", "可用“忘记密码”通过手机验证码重置；更换了手机号请走账号申诉。"),
    "投诉建议": ("我要投诉，找谁？", "请在“我的—客户服务—投诉建议”提交，我们会在 24 小时内回复处理结果。"),
    "转人工": ("怎么联系人工客服？", "在对话框中输入“人工”，工作时间 9:00–21:00 内会为您转接人工客服。"),
}


def fill(template: str, rng: np.random.Generator) -> str:
    """Fill the slots of one template with random values."""
    values = {k: (str(rng.integers(10**9, 10**10)) if k == "order" else str(rng.choice(v)))
              for k, v in SLOTS.items()}
    return template.format(**values)


def make_corpus(per_template: int = 20, *, seed: int = 0) -> list[dict]:
    """Fill every template ``per_template`` times; each row: text, intent, template id (``intent/k``)."""
    check_positive_int("per_template", per_template)
    rng = np.random.default_rng(seed)
    rows = []
    for intent, templates in TEMPLATES.items():
        for k, t in enumerate(templates):
            texts = {fill(t, rng) for _ in range(per_template * 3)} if "{" in t else {t}
            for text in sorted(texts)[:per_template]:
                rows.append({"text": text, "intent": intent, "template": f"{intent}/{k}"})
    return rows


def template_split(rows: list[dict], n_test_templates: int = 2, *, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Hold out ``n_test_templates`` whole templates of every intent: (train rows, test rows)."""
    check_positive_int("n_test_templates", n_test_templates)
    rng = np.random.default_rng(seed)
    held = set()
    for intent, templates in TEMPLATES.items():
        if n_test_templates >= len(templates):
            raise ValueError(f"意图 {intent} 只有 {len(templates)} 个模板，不能留出 {n_test_templates} 个")
        for k in rng.choice(len(templates), n_test_templates, replace=False):
            held.add(f"{intent}/{k}")
    return [r for r in rows if r["template"] not in held], [r for r in rows if r["template"] in held]
