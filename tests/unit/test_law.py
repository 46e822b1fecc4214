"""Law texts: numerals, parsing of the shipped files, lookup, citations, queries, splitting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.law import (
    Citation,
    LawLibrary,
    chinese_to_int,
    int_to_chinese,
    parse_article_query,
    parse_citation,
    parse_law_markdown,
    render_article,
    split_for_messages,
)
from bot.storage.law_files import SHIPPED_LAW_DIR, LawFileError, load_law_library

INDEX = yaml.safe_load((SHIPPED_LAW_DIR / "index.yaml").read_text(encoding="utf-8"))["laws"]


@pytest.fixture(scope="module")
def library() -> LawLibrary:
    return load_law_library()


# ---------- numerals ----------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("一", 1),
        ("十", 10),
        ("一十", 10),
        ("十一", 11),
        ("二十", 20),
        ("二十三", 23),
        ("一百", 100),
        ("一百零五", 105),
        ("一百一十", 110),
        ("二百一十", 210),
        ("一千", 1000),
        ("一千零一", 1001),
        ("一千零一十", 1010),
        ("一千零十", 1010),
        ("一千零七十七", 1077),
        ("一千一百四十二", 1142),
        ("一千二百六十", 1260),
        ("九千九百九十九", 9999),
        ("零", 0),
        ("两百", 200),
        ("两千零二十", 2020),
        ("一〇七七", 1077),
        ("〇", 0),
        ("一一", 11),
        ("一百一", 110),
        ("一千二", 1200),  # colloquial: the digit counts in the next unit down
    ],
)
def test_chinese_numerals_parse(text: str, number: int) -> None:
    assert chinese_to_int(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "abc",
        "10",
        "十十",
        "百",
        "千",
        "一二十",
        "一千零",
        "零一",
        "二十零",
        "一千零零一",
        "一百千",
        "第十",
        "万",
    ],
)
def test_malformed_chinese_numerals_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        chinese_to_int(text)


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "一"),
        (10, "十"),
        (15, "十五"),
        (20, "二十"),
        (101, "一百零一"),
        (110, "一百一十"),
        (210, "二百一十"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1077, "一千零七十七"),
        (1100, "一千一百"),
        (1260, "一千二百六十"),
    ],
)
def test_numbers_are_written_as_in_official_texts(number: int, text: str) -> None:
    assert int_to_chinese(number) == text


def test_every_number_round_trips() -> None:
    assert all(chinese_to_int(int_to_chinese(n)) == n for n in range(10_000))
    with pytest.raises(ValueError):
        int_to_chinese(10_000)


# ---------- the shipped files ----------


@pytest.mark.parametrize("item", INDEX, ids=[i["short"] for i in INDEX])
def test_every_shipped_law_parses_with_its_declared_article_count(
    library: LawLibrary, item: dict[str, str]
) -> None:
    raw = (SHIPPED_LAW_DIR / item["file"]).read_text(encoding="utf-8")
    declared = re.search(r"^>.*｜条文数 articles: (\d+)$", raw, re.MULTILINE)
    assert declared is not None
    law = library.resolve_name(item["short"])
    assert law is not None and law.title == item["title"]
    assert len(law.articles) == int(declared.group(1))
    assert [a.number for a in law.articles] == list(range(1, len(law.articles) + 1))
    # every article line in the file is written the official way, so headings quote it exactly
    labels = re.findall(r"^(第[零一二三四五六七八九十百千]+条) ", raw, re.MULTILINE)
    assert labels == [f"第{int_to_chinese(a.number)}条" for a in law.articles]
    for article in law.articles:
        assert article.paragraphs and all(p.strip() == p and p for p in article.paragraphs)
        assert not any(p.startswith((">", "#", "为正确审理")) for p in article.paragraphs)


def test_library_holds_all_5953_articles(library: LawLibrary) -> None:
    assert len(library.laws) == 62
    assert sum(len(law.articles) for law in library.laws) == 5953


@pytest.mark.parametrize(
    ("law", "count"),
    [
        ("彩礼规定", 7),
        ("民事诉讼法", 306),  # the 2023 text (in force 2024-01-01), not the 2021 one with 291
        ("民事诉讼法解释", 550),  # the 2022 text, not the 2020 one with 552
        ("刑事诉讼法", 308),
        ("人身损害赔偿解释", 24),
        ("治安管理处罚法", 144),  # the 2025 revision (in force 2026-01-01), not 2012 (119)
        ("女职工劳动保护特别规定", 16),
        ("劳动合同法实施条例", 38),
        ("道路交通安全法实施条例", 115),
        ("道路交通事故处理程序规定", 114),  # 公安部令第146号 (in force 2018-05-01)
        ("征信业管理条例", 47),  # 国务院令第631号; not amended since
        ("婚姻登记条例", 28),  # 2025 revision (国务院令第804号), not 2003 (22)
        ("居民身份证法", 23),
        ("职工带薪年休假条例", 10),
        ("企业职工带薪年休假实施办法", 19),
        ("律师法", 60),  # the 2017 amendment; not amended since
        ("村民委员会组织法", 50),  # the 2025-10-28 amendment, not 2018 (41)
        ("义务教育法", 63),  # the 2018 amendment; not amended since
        ("保险法", 185),  # the 2015 amendment; not amended since
        ("农业保险条例", 33),  # the 2016 text
        ("监狱法", 78),  # the 2012 amendment (in force 2013-01-01); not amended since
        ("农民专业合作社法", 74),  # the 2017 revision (in force 2018-07-01)
        ("社会救助暂行办法", 70),  # 国务院令第649号 as amended 2019-03-02
        ("医疗保障基金使用监督管理条例", 50),  # 国务院令第735号; not amended since
        ("对外劳务合作管理条例", 53),  # 国务院令第620号; not amended since
    ],
)
def test_new_laws_have_the_article_count_of_their_current_version(
    library: LawLibrary, law: str, count: int
) -> None:
    text = library.resolve_name(law)
    assert text is not None and len(text.articles) == count


@pytest.mark.parametrize(
    ("law", "number", "words"),
    [
        ("民法典", 1047, "二十二周岁"),
        ("民法典", 1077, "三十日内"),
        ("民法典", 1142, "以最后的遗嘱为准"),
        ("反家庭暴力法", 23, "人身安全保护令"),
        ("老年人权益保障法", 2, "六十周岁以上"),
        ("民间借贷规定", 25, "一年期贷款市场报价利率四倍"),
        ("消费者权益保护法", 55, "五百元"),
        ("人民调解法", 4, "不收取任何费用"),
        ("劳动争议解释（一）", 15, "工资欠条"),
        ("婚姻家庭编解释（一）", 7, "事实婚姻"),
        ("民事诉讼法", 122, "起诉必须符合下列条件"),
        ("食品安全法", 148, "价款十倍或者损失三倍的赔偿金"),
        ("彩礼规定", 5, "共同生活时间较短且彩礼数额过高"),
        ("农村土地承包法", 31, "发包方不得收回其原承包地"),
        ("社会保险法", 58, "自用工之日起三十日内"),
        ("人身损害赔偿解释", 12, "城镇居民人均可支配收入"),  # 2022 text: no rural standard
        ("刑事诉讼法", 128, "勘验或者检查"),  # its article line was broken in the source
        ("劳动法", 37, "合理确定其劳动定额和计件报酬标准"),  # one paragraph, split in the source
        ("食品安全法", 81, "婴幼儿配方液态乳"),  # the 2025 amendment (in force 2025-12-01)
        ("治安管理处罚法", 19, "不属于违反治安管理行为"),  # 2025 numbering: self-defence
        ("治安管理处罚法", 51, "殴打他人的，或者故意伤害他人身体的"),
        ("交通事故赔偿解释（二）", 6, "超过法定退休年龄"),
        ("劳动争议解释（二）", 19, "无需缴纳社会保险费的，人民法院应当认定该约定或者承诺无效"),
        ("女职工劳动保护特别规定", 7, "女职工生育享受98天产假"),
        ("女职工劳动保护特别规定", 9, "哺乳未满1周岁婴儿的女职工，用人单位不得延长劳动时间"),
        ("劳动合同法实施条例", 7, "视为自用工之日起满一年的当日已经与劳动者订立无固定期限劳动合同"),
        ("劳动合同法实施条例", 27, "前12个月的平均工资低于当地最低工资标准的"),
        ("道路交通安全法实施条例", 94, "应当在收到交通事故认定书之日起10日内提出书面调解申请"),
        ("道路交通事故处理程序规定", 71, "送达之日起三日内提出书面复核申请"),
        ("道路交通事故处理程序规定", 86, "之日起十日内一致书面申请"),
        ("道路交通事故处理程序规定", 112, "“三日”、“五日”、“十日”，是指工作日"),
        ("征信业管理条例", 16, "自不良行为或者事件终止之日起为5年"),
        ("征信业管理条例", 25, "有权向征信机构或者信息提供者提出异议"),
        ("婚姻登记条例", 21, "可以持居民身份证"),  # 2025: no 户口簿 needed to replace a certificate
        ("婚姻登记条例", 6, "办理婚姻登记，不得收取费用"),
        ("居民身份证法", 12, "可以申请领取临时居民身份证"),
        ("居民身份证法", 13, "有权使用居民身份证证明身份"),  # one paragraph, split in the source
        ("居民身份证法", 15, "任何组织或者个人不得扣押居民身份证"),
        ("职工带薪年休假条例", 3, "已满10年不满20年的，年休假10天"),
        ("企业职工带薪年休假实施办法", 10, "其中包含用人单位支付职工正常工作期间的工资收入"),
        ("律师法", 25, "由律师事务所统一接受委托，与委托人签订书面委托合同"),
        ("律师法", 46, "受理对律师的投诉或者举报"),
        ("村民委员会组织法", 35, "财务收支情况应当每月公布一次"),  # 2025 numbering (2018: 第三十条)
        ("村民委员会组织法", 36, "责令依法公布"),
        ("村民委员会组织法", 21, "不正当手段当选村民委员会成员的，当选无效"),
        ("义务教育法", 12, "当地人民政府应当为其提供平等接受义务教育的条件"),
        ("保险法", 17, "未作提示或者明确说明的，该条款不产生效力"),
        ("保险法", 24, "自作出核定之日起三日内"),
        ("保险法", 26, "诉讼时效期间为二年"),
        ("保险法", 30, "应当作出有利于被保险人和受益人的解释"),
        ("农业保险条例", 12, "应当将查勘定损结果予以公示"),
        ("农业保险条例", 14, "达成赔偿协议后10日内"),
        ("监狱法", 20, "通知书应当自收监之日起五日内发出"),
        ("监狱法", 30, "减刑建议由监狱向人民法院提出"),
        ("监狱法", 48, "可以会见亲属、监护人"),
        ("农民专业合作社法", 25, "应当在会计年度终了的三个月前向理事长或者理事会提出书面申请"),
        ("农民专业合作社法", 28, "退还记载在该成员账户内的出资额和公积金份额"),
        ("农民专业合作社法", 54, "清算组成员应当忠于职守"),  # 笫 for 第 in the source
        ("社会救助暂行办法", 11, "对不符合条件的申请不予批准，并书面向申请人说明理由"),
        ("社会救助暂行办法", 13, "决定停发最低生活保障金的，应当书面说明理由"),
        ("医疗保障基金使用监督管理条例", 15, "不得重复收费、超标准收费、分解项目收费"),
        ("对外劳务合作管理条例", 8, "不得以商务、旅游、留学等名义组织劳务人员赴国外工作"),
        ("对外劳务合作管理条例", 25, "不得以任何名目向劳务人员收取押金"),
    ],
)
def test_known_articles_say_what_the_faq_relies_on(
    library: LawLibrary, law: str, number: int, words: str
) -> None:
    article = library.lookup(law, number)
    assert article is not None and words in "".join(article.paragraphs)


def test_the_female_worker_appendix_follows_the_last_article(library: LawLibrary) -> None:
    # The format has no appendix heading: the 附录 (jobs barred to women, referred to by 第四条)
    # is kept after 第十六条, as the national database's own copy has it, instead of being lost.
    last = library.lookup("女职工劳动保护特别规定", 16)
    assert last is not None
    assert last.paragraphs[0].startswith("本规定自公布之日起施行")
    assert last.paragraphs[1:3] == ("附录：", "女职工禁忌从事的劳动范围")
    assert "（一）矿山井下作业；" in last.paragraphs


def test_article_keeps_paragraphs_and_list_items(library: LawLibrary) -> None:
    article = library.lookup("民法典", 1079)
    assert article is not None
    assert len(article.paragraphs) == 10
    assert article.paragraphs[0].startswith("夫妻一方要求离婚的")
    assert article.paragraphs[3] == "（一）重婚或者与他人同居；"
    first = library.lookup("民间借贷规定", 1)  # the preamble before it is not part of it
    assert first is not None and first.paragraphs[0].startswith("本规定所称的民间借贷")


@pytest.mark.parametrize(
    ("law", "number", "breadcrumb"),
    [
        ("民法典", 300, ("第二编 物权", "第二分编 所有权", "第八章 共有")),
        ("民法典", 667, ("第三编 合同", "第二分编 典型合同", "第十二章 借款合同")),
        ("民法典", 18, ("第一编 总则", "第二章 自然人", "第一节 民事权利能力和民事行为能力")),
        ("民法典", 1077, ("第五编 婚姻家庭", "第四章 离婚")),
        ("民法典", 1260, ("附则",)),
        ("劳动合同法", 60, ("第五章 特别规定", "第二节 劳务派遣")),
        ("劳动合同法", 97, ("第八章 附则",)),
        ("婚姻家庭编解释（一）", 7, ("二、结婚",)),
        ("民间借贷规定", 25, ()),
        ("民事诉讼法", 122, ("第二编 审判程序", "第十二章 第一审普通程序", "第一节 起诉和受理")),
        ("刑事诉讼法", 308, ("附则",)),
        ("农村土地承包纠纷解释", 20, ("四、土地征收补偿费用分配及土地承包经营权继承纠纷的处理",)),
        ("道路交通事故处理程序规定", 71, ("第七章 认定与复核", "第二节 复核")),  # was "复 核"
        ("女职工劳动保护特别规定", 7, ()),
    ],
)
def test_breadcrumb_follows_the_headings(
    library: LawLibrary, law: str, number: int, breadcrumb: tuple[str, ...]
) -> None:
    article = library.lookup(law, number)
    assert article is not None and article.breadcrumb == breadcrumb


def test_citation_heading_and_rendering(library: LawLibrary) -> None:
    article = library.lookup("民法典", 1077)
    assert article is not None
    assert article.citation == "民法典 第1077条"
    assert article.heading == "《中华人民共和国民法典》第一千零七十七条"
    assert render_article(article) == (
        "《中华人民共和国民法典》第一千零七十七条\n\n"
        "自婚姻登记机关收到离婚登记申请之日起三十日内，任何一方不愿意离婚的，"
        "可以向婚姻登记机关撤回离婚登记申请。\n\n"
        "前款规定期限届满后三十日内，双方应当亲自到婚姻登记机关申请发给离婚证；"
        "未申请的，视为撤回离婚登记申请。"
    )
    nested = library.lookup("婚姻家庭编解释（一）", 7)
    assert nested is not None
    assert nested.heading == (  # a title inside the title takes 〈〉
        "《最高人民法院关于适用〈中华人民共和国民法典〉婚姻家庭编的解释（一）》第七条"
    )


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("民法典", "民法典"),
        ("中华人民共和国民法典", "民法典"),
        ("《民法典》", "民法典"),
        ("反家暴法", "反家庭暴力法"),
        ("中华人民共和国反家暴法", "反家庭暴力法"),
        ("反诈法", "反电信网络诈骗法"),
        ("消法", "消费者权益保护法"),
        ("老年法", "老年人权益保障法"),
        ("道交法", "道路交通安全法"),
        ("个保法", "个人信息保护法"),
        ("劳动争议解释(一)", "劳动争议解释（一）"),
        ("工伤保险条例", "工伤保险条例"),
        ("劳动法", "劳动法"),  # its own law, not 劳动合同法
        ("中华人民共和国劳动法", "劳动法"),
        ("民诉法", "民事诉讼法"),
        ("机动车交通事故责任强制保险条例", "交强险条例"),
        ("道交法实施条例", "道路交通安全法实施条例"),
        ("中华人民共和国道路交通安全法实施条例", "道路交通安全法实施条例"),
        ("交通事故处理程序规定", "道路交通事故处理程序规定"),
        ("中华人民共和国劳动合同法实施条例", "劳动合同法实施条例"),
    ],
)
def test_names_residents_use_resolve(library: LawLibrary, name: str, short: str) -> None:
    law = library.resolve_name(name)
    assert law is not None and law.short == short


def test_unknown_names_and_numbers_find_nothing(library: LawLibrary) -> None:
    assert library.resolve_name("刑法") is None
    assert library.lookup("刑法", 1) is None
    assert library.lookup("民法典", 0) is None
    assert library.lookup("民法典", 1261) is None
    assert library.lookup("反家暴法", 23) is library.lookup("反家庭暴力法", 23)


def test_a_name_shared_by_two_laws_is_refused() -> None:
    a = parse_law_markdown("甲法", "甲法", "# 甲法\n\n第一条 甲。\n", ("某法",))
    b = parse_law_markdown("乙法", "乙法", "# 乙法\n\n第一条 乙。\n", ("某法",))
    with pytest.raises(ValueError, match="某法"):
        LawLibrary((a, b))


# ---------- malformed files ----------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# 别的法\n\n第一条 甲。\n", "line 1"),
        ("# 甲法\n\n第一条 甲。\n\n第三条 丙。\n", "line 5: article 3 out of sequence"),
        ("# 甲法\n\n## 第一章 总则\n\n说明文字\n\n第一条 甲。\n", "line 5: text outside"),
        ("# 甲法\n\n## 总则\n\n第一条 甲。\n", "line 3: unknown heading"),
        ("# 甲法\n\n### 第一章 总则\n\n第一条 甲。\n", "line 3: heading level"),
        ("# 甲法\n\n> 甲法｜条文数 articles: 2\n\n第一条 甲。\n", "metadata says 2"),
        ("# 甲法\n\n> 元数据\n", "no articles"),
    ],
)
def test_malformed_law_text_is_reported_with_its_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_law_markdown("甲法", "甲法", text)


def test_loader_names_the_broken_file(tmp_path: Path) -> None:
    (tmp_path / "index.yaml").write_text(
        "schema: 1\nlaws:\n  - {short: 甲法, file: a.md, title: 甲法}\n"
        "  - {short: 乙法, file: b.md, title: 乙法}\n",
        encoding="utf-8",
    )
    (tmp_path / "a.md").write_text("# 甲法\n\n第一条 甲。\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# 乙法\n\n第二条 乙。\n", encoding="utf-8")
    with pytest.raises(LawFileError, match=r"b\.md: line 3"):
        load_law_library(tmp_path)
    (tmp_path / "b.md").unlink()
    with pytest.raises(LawFileError, match=r"b\.md"):
        load_law_library(tmp_path)
    (tmp_path / "b.md").write_text("# 乙法\n\n第一条 乙。\n", encoding="utf-8")
    assert load_law_library(tmp_path).lookup("乙法", 1) is not None


# ---------- citations and residents' queries ----------


@pytest.mark.parametrize(
    ("text", "citation"),
    [
        ("民法典 第1077条", Citation("民法典", 1077)),
        ("劳动争议解释（一） 第15条", Citation("劳动争议解释（一）", 15)),
    ],
)
def test_citations_parse(text: str, citation: Citation) -> None:
    assert parse_citation(text) == citation
    assert str(citation) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "民法典",
        "民法典第1077条",
        "民法典  第1077条",
        "民法典 1077",
        "民法典 第一千零七十七条",
        "民法典 第0条",
        "民法典 第01条",
        "民法典 第1077条 ",
        "第1077条",
    ],
)
def test_bad_citations_raise_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="民法典 第1077条"):  # the message shows the right form
        parse_citation(text)


@pytest.mark.parametrize(
    ("text", "law", "number"),
    [
        ("民法典第1077条", "民法典", 1077),
        ("民法典 第1077条", "民法典", 1077),
        ("第一千零七十七条", "民法典", 1077),
        ("第1077条", "民法典", 1077),
        ("1077条", "民法典", 1077),
        ("反家庭暴力法第二十三条", "反家庭暴力法", 23),
        ("反家暴法23条", "反家暴法", 23),
        ("1077", "民法典", 1077),  # /law 1077
        ("反家庭暴力法 23", "反家庭暴力法", 23),  # /law 反家庭暴力法 23
        ("民法典 1077", "民法典", 1077),
        ("《民法典》第一千零七十七条", "民法典", 1077),
        ("民法典第1077条是什么？", "民法典", 1077),
        ("请问民法典第188条说的是什么", "民法典", 188),
        ("查一下消法第55条", "消法", 55),
        ("第１０７７条", "民法典", 1077),
        ("第一〇七七条", "民法典", 1077),
        ("第两百一十条", "民法典", 210),
        ("劳动争议解释(一)第15条", "劳动争议解释（一）", 15),
        ("民间借贷规定第二十五条", "民间借贷规定", 25),
        ("工伤保险条例 17", "工伤保险条例", 17),
        ("刑法第234条", "刑法", 234),  # an article request, even if the law is not shipped
    ],
)
def test_article_requests_are_recognised(
    library: LawLibrary, text: str, law: str, number: int
) -> None:
    assert parse_article_query(text) == Citation(law, number)
    if law != "刑法":
        assert library.lookup(law, number) is not None


@pytest.mark.parametrize(
    "text",
    [
        "借钱不还怎么办",
        "我借了他5000",
        "我借了他5000块钱",
        "5000元",
        "他欠我三万",
        "我今年65岁",
        "2023年借的钱还没还",
        "离婚冷静期多少天",
        "第一次来，想问问",
        "民法典",
        "民法典是什么",
        "民法典第1077条和第1078条",
        "借了5000按民法典怎么算",
        "第0条",
        "两",
        "十",
        "",
        "   ",
    ],
)
def test_ordinary_messages_are_not_article_requests(text: str) -> None:
    assert parse_article_query(text) is None


# ---------- splitting long texts for messages ----------


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_short_text_is_one_chunk_and_empty_text_none() -> None:
    assert split_for_messages("第一段。\n\n第二段。") == ["第一段。\n\n第二段。"]
    assert split_for_messages("  \n\n ") == []


def test_splits_at_paragraphs_first_then_sentences() -> None:
    a, b, c = "甲" * 3000, "乙" * 1000, "丙" * 1000
    assert split_for_messages(f"{a}\n\n{b}\n\n{c}") == [a, f"{b}\n\n{c}"]
    sentences = ["一" * 1999 + "。", "二" * 1999 + "；", "三" * 999 + "。"]
    assert split_for_messages("".join(sentences)) == [sentences[0], sentences[1] + sentences[2]]


def test_a_long_paragraph_without_punctuation_is_cut_hard() -> None:
    text = "字" * 5000
    chunks = split_for_messages(text)
    assert [len(c) for c in chunks] == [3500, 1500]
    assert "".join(chunks) == text


def test_characters_outside_the_bmp_are_never_cut() -> None:
    text = "😀" * 3000  # two UTF-16 units each, as Telegram counts them
    chunks = split_for_messages(text, limit=3500)
    assert [len(c) for c in chunks] == [1750, 1250]
    assert all(_units(c) <= 3500 for c in chunks)


def test_the_whole_civil_code_splits_into_messages(library: LawLibrary) -> None:
    law = library.resolve_name("民法典")
    assert law is not None
    text = "\n\n".join(render_article(a) for a in law.articles)
    chunks = split_for_messages(text)
    assert all(0 < _units(c) <= 3500 for c in chunks)
    paragraphs = set(text.split("\n\n"))  # every article is short: cuts fall between paragraphs
    assert all(set(c.split("\n\n")) <= paragraphs for c in chunks)
    assert _squash("".join(chunks)) == _squash(text)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("法律条文。；！？\n  ab1😀"), max_size=400),
    limit=st.integers(min_value=2, max_value=60),
)
def test_split_properties(text: str, limit: int) -> None:
    chunks = split_for_messages(text, limit=limit)
    assert all(c.strip() for c in chunks)
    assert all(_units(c) <= limit for c in chunks)
    assert _squash("".join(chunks)) == _squash(text)
