#!/usr/bin/python3
"""Writes the openpyxl fixtures of package sheets (Debian python3-openpyxl).

Run by gen.sh with /usr/bin/python3 (not a pyenv python): it needs the
Debian package. Each workbook mirrors what units send back: the 2024
statistics template (附件 1) filled in several ways, and the 2026
recommendation list with the rows of the notice.
"""
import sys

import openpyxl
from openpyxl.styles import Alignment

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
WRAP = Alignment(wrap_text=True, vertical="center")

FUNDS = "活动经费投入数量 (单位: 万元)"
STAFF = "科普工作人员\n参与数量(单位: 人次)"
PUBLIC = "科普活动群众\n参与数量(单位: 人次)"
PRESS = "宣传报道情况"

# (group, label) rows of 附件 1 as printed in the 2024 notice.
TEMPLATE = [
    (None, "科普活动开展次数"),
    (FUNDS, "中央财政经费投入情况"),
    (FUNDS, "省级、副省级财政经费投入情况"),
    (FUNDS, "市级财政经费投入情况"),
    (FUNDS, "县级财政经费投入情况"),
    (FUNDS, "企业赞助经费情况"),
    (FUNDS, "实物投入情况(如: 捐赠图书、光盘、创新操作室等)"),
    (FUNDS, "其他经费情况"),
    (STAFF, "科普专职人员数量"),
    (STAFF, "科技工作者参与数量"),
    (STAFF, "招募科技志愿者数量"),
    (STAFF, "其他人员数量"),
    (PUBLIC, "线下活动群众参与数量"),
    (PUBLIC, "线上活动群众参与数量"),
    (PRESS, "参与媒体数量"),
    (PRESS, "宣传报道数量"),
    (None, "活动周期间开放的\n科普场馆数量"),
    (None, "活动周期间开放活动的\n科研机构数量"),
    (None, "活动周期间开放活动的\n大学数量"),
]


def write_template(ws, unit, values, value_col=3):
    """Lays out 附件 1 with merged group cells; values are by row order."""
    ws["A1"] = "附件 1"
    ws["A2"] = "2024 年晋城市科技活动周开展情况统计表"
    ws.merge_cells("A2:C2")
    ws["A3"] = "部门/地方（盖章）：" + unit
    ws.merge_cells("A3:C3")
    row = 4
    start = {}
    for (group, label), value in zip(TEMPLATE, values):
        if group is None:
            ws.cell(row, 1, label).alignment = WRAP
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        else:
            if group not in start:
                start[group] = row
                ws.cell(row, 1, group).alignment = WRAP
            ws.cell(row, 2, label).alignment = WRAP
        if value is not None:
            ws.cell(row, value_col, value)
        row += 1
    for group, first in start.items():
        last = first + sum(1 for g, _ in TEMPLATE if g == group) - 1
        ws.merge_cells(start_row=first, start_column=1, end_row=last, end_column=1)


def stats_template():
    """The template filled with every kind of value people type."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计表"
    write_template(ws, "高平市科技局", [
        12, 0, "无", 0.5, "3万", "1,200", "约2", None,
        "三", "十二", "一千二百", "/",
        "3万", "约500",
        5, "-",
        2, "若干", 1,
    ])
    wb.save(f"{OUT}/stats_template.xlsx")


def stats_blank_template(ws):
    write_template(ws, "", [None] * len(TEMPLATE))


def stats_variant():
    """Rows inserted, deleted and renamed; no merged cells (group label on
    its first sub-row only); values one or two columns further right."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    rows = [
        ["2024年科技活动周开展情况统计表"],
        ["部门/地方(盖章): 泽州县教育局", None, None, "填表日期：2024年6月5日"],
        [],
        ["项目", "", "数量", ""],
        ["开展科普活动次数", None, None, 8],
        ["科普讲座场次", None, None, 3],  # inserted, not in the template
        ["活动经费投入（万元）", "中央财政投入", None, 1.5],
        [None, "省级财政经费投入", None, 2],
        [None, "市级财政经费投入情况", None, None, "0.8"],  # two columns right
        [None, "县级财政经费投入情况", None, "五万元"],
        # 企业赞助经费情况 deleted
        [None, "实物投入（图书等）", None, "30000元"],
        [None, "其他", None, 0.2],
        ["科普工作人员参与情况（人次）", "专职人员", None, 20],
        [None, "科技工作者参与人数", None, "1.2万"],
        [None, "科技志愿者数量", None, 45],
        [None, "其他", None, 6],
        ["科普活动群众参与数量（人次）", "线下参与人次", None, "两千五"],
        [None, "线上参与人次", None, "3,500"],
        [None, "其中：青少年", None, 900],  # inserted under the public group
        ["宣传报道情况", "媒体数量", None, 4],
        [None, "报道数量", None, "12篇"],
        ["开放科普场馆数量", None, None, 1],
        ["开放科研机构数量", None, None, 0],
        ["开放高校数量", None, None, "无"],
        [],
        ["填表人：李四", None, None, "联系电话：13800000000"],
    ]
    for r in rows:
        ws.append(r)
    wb.save(f"{OUT}/stats_variant.xlsx")


def stats_hidden():
    """The filled table sits in a hidden sheet; a visible sheet holds the
    blank template, another a note."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws["A1"] = "请在“统计表”中填写"
    stats_blank_template(wb.create_sheet("模板"))
    hidden = wb.create_sheet("统计表")
    write_template(hidden, "陵川县科技局", [
        4, None, None, 1, 2, None, None, None,
        3, 10, 20, None,
        800, 1500,
        2, 6,
        1, None, None,
    ])
    hidden.sheet_state = "hidden"
    wb.save(f"{OUT}/stats_hidden.xlsx")


def stats_formula_source():
    """Values as formulas (sums of parts); LibreOffice recalculates and
    stores the results when gen.sh re-saves it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计表"
    write_template(ws, "阳城县科技和商务局", [
        "=2+3", 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1,
        "=SUM(C12:C15)", 10,
        1, 1,
        1, 1, 1,
    ])
    ws["E1"] = "辅助"
    wb.save(f"{OUT}/stats_formula_source.xlsx")


HEADER_2026 = ["序号", "活动名称", "活动内容简介", "举办时间", "举办地点", "承办单位", "依托基地", "推荐单位", "联系人", "联系电话"]

ROWS_2026 = [
    [1, "城市体验中心科普互动体验周", "活动紧扣晋城“全国煤层气产业高地”的定位，系统梳理煤层气产销用一条龙。展示钻井压裂设备模型、煤层气液化装置等工业实物及创新成果。", "5月下旬至6月上旬", "晋城城市体验中心", "晋城合为城市体验中心有限公司", "晋城城市体验中心", "晋城市科学技术局", "吴莎莎", "13835675002"],
    [2, "科艺融合·赓续科学家精神宣讲活动", "组织开展科学家精神宣讲活动，以科艺融合为特色，将科学家精神与文化艺术相融相通，深耕科学家精神内涵。", "6月上旬", "阳城县、陵川县", "阳城县科协、陵川县科协", "阳城县、陵川县学校", "晋城市科学技术协会", "赵晋萍", "0356-2633228"],
    [3, "科学实验赏析进校园活动", "聚焦趣味科学实践，汇集各类直观易懂、观赏性强的经典趣味科学实验。", "6月上旬", "阳城县、陵川县", "阳城县科协、陵川县科协", "阳城县、陵川县学校", "晋城市科学技术协会", "赵晋萍", "0356-2633228"],
    None,  # the header repeats: a new printed page
    [4, "低空经济航空科普宣讲活动", "聚焦国家低空经济发展战略，宣讲低空经济、空域飞行、无人机知识、市场应用等相关知识。", "5月下旬至6月上旬", "晋城技师学院、晋城职业技术学院", "晋城市航空运动协会", "晋城技师学院、晋城职业技术学院", "晋城市科学技术协会", "赵晋萍", "0356-2633228"],
    [5, "“解读传统技艺 指尖修复古籍”晋城博物馆系列科普活动", "1.通过参观博物馆科研实验室，了解仪器使用方法并观察样本；\n2.通过参观基本陈列、传统工艺科普知识讲座、手工等环节灵活组合的形式，开展科普社教活动。", "5月下旬至6月上旬", "晋城博物馆、孟匠小学等", "晋城博物馆", "晋城博物馆山西省科普基地", "晋城博物馆", "张雪燕", "18334653150"],
    [6, "基础科学与航空科技互动体验课程", "依托科技馆与无人机航空航天馆资源，开展基础科学互动体验及无人机科普课程。", "科技活动期间，每周固定时段开课，单节课程约100分钟", "晋城市示范性综合实践基地、无人机科技馆、航空航天馆", "晋城市示范性综合实践基地", "晋城市中小学生综合实践教育基地山西省科普基地", "晋城市示范性综合实践基地", "郎晋军", "15303464644"],
    None,
    [7, "科学零距离", "1、科普主题展示：利用VR、MR技术，传播科普知识；\n2、科学实验：普及科学原理，亲子科学DIY（制作磁力小车、哈哈镜等）；\n3、科普图书推荐：推荐经典科普图书，开展科普绘本故事会等。", "5月下旬至\n6月上旬", "晋城市\n图书馆", "晋城市\n图书馆", "晋城市\n图书馆\n山西省\n科普基地", "晋城市\n图书馆", "侯亚琼", "15935064270"],
    [10, "校园科技\n创意大赛", "本次大赛面向全体学生，围绕科技创新、绿色环保、智慧生活等主题，鼓励动手实践、大胆创意。", "5月中下旬", "泽州二中", "泽州二中", "", "泽州县\n发展和改革\n和科技局", "赵娜", "13835602802"],
    [19, "三区人才农业技术培训", "邀请三区人才科技特派员团队等老师来我县乡村进行种植、养殖等农业技术培训。", "5月下旬至6月上旬", "沁水县龙港镇等地", "沁水县发展和改革局和科技局", "源通饲料公司", "沁水县发展和改革局和科技局", "王树林", "0356-7025422"],
    [],
    # Not from the notice: rows with the mistakes units make.
    [20, "气象科普进校园", "气象科普讲座进校园。", "5月下旬", "城区中学", "市气象站", "", "晋城市气象局", "", "2633228"],
    [21, "科普大篷车", "", "6月上旬", "泽州县", "泽州县科协", "", "泽州县科协", "刘洋", "138356750"],
]


def recommend_2026():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "推荐表"
    ws.append(["附件"])
    ws.append(["2026年晋城市科技活动周和科技工作者日 特色群众性主题实践活动推荐表"])
    ws.merge_cells("A2:J2")
    ws.append(HEADER_2026)
    for r in ROWS_2026:
        ws.append(HEADER_2026 if r is None else r)
    ws.append(["注：每个单位推荐不超过3项，联系电话请填写手机号码。"])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=10)
    for row in ws.iter_rows():
        for c in row:
            c.alignment = WRAP
    wb.save(f"{OUT}/recommend_2026.xlsx")


def recommend_long():
    """A list long enough (about 40 KB of distinct strings) for the .xls
    shared string table to continue over several CONTINUE records, with
    strings split across them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "推荐表"
    ws.append(HEADER_2026)
    for i in range(1, 151):
        ws.append([
            i,
            f"第{i}项科普进校园活动",
            f"活动{i}：组织科技工作者走进第{i}所学校，开展科学实验演示、科普讲座和互动体验，激发青少年科学兴趣。",
            "5月下旬至6月上旬",
            f"晋城市第{i}中学",
            f"晋城市第{i}中学",
            "",
            "晋城市科学技术协会",
            "赵晋萍",
            f"0356-26{i:05d}",
        ])
    wb.save(f"{OUT}/recommend_long.xlsx")


LABELS = [label.replace("\n", "") for _, label in TEMPLATE]
GROUPS = [group for group, _ in TEMPLATE]


def stats_values_typed():
    """Values as people type "none" and magnitudes: 无, —, -, ／, /, 5千,
    3百, 1.2万, 约500, 12篇（条）, a blank; the 盖章 line left blank (its
    label merged across the row)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计表"
    write_template(ws, "", [
        6, "无", "—", "-", "5千", "3百", "1.2万", "／",
        "/", 12, "约500", None,
        "1.2万", "3千",
        "12篇（条）", "约30篇",
        "无", 0, "—",
    ])
    wb.save(f"{OUT}/stats_values_typed.xlsx")


def stats_value_left():
    """The value column left of the labels, found by the header (数量),
    and a 备注 column right of the values that is never read as one."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计表"
    ws.append(["2024年科技活动周开展情况统计表"])
    ws.append(["填报单位（盖章）：城区教育和科技局"])
    ws.append(["序号", "数量", "类别", "统计项目", "备注"])
    values = [7, 1, None, 2.5, 4, None, 0.6, None, 5, 30, 60, 2, 3000, 12000, 3, 9, 2, 1, 0]
    notes = {5: "暂未到位 2", 11: 8}
    start = {}
    for i, ((group, _), label, v) in enumerate(zip(TEMPLATE, LABELS, values)):
        row = [i + 1, v, None, label, notes.get(i)]
        if group is not None and group not in start:
            start[group] = i
            row[2] = group.replace("\n", "")
        ws.append(row)
    for group, first in start.items():
        last = first + GROUPS.count(group) - 1
        ws.merge_cells(start_row=first + 4, start_column=3, end_row=last + 4, end_column=3)
    wb.save(f"{OUT}/stats_value_left.xlsx")


def stats_value_far():
    """The value several columns right of the label, past a unit column
    and last year's figures, found by the header (本年填报数); a blank
    value stays blank even where last year's column has a number."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["附件 1"])
    ws.append(["部门/地方（盖章）：", "陵川县科技局"])
    ws.append(["类别", "项目", "计量单位", "上年数", "本年填报数", "备注"])
    units = {"万元": "万元", "人次": "人次"}
    for i, ((group, _), label) in enumerate(zip(TEMPLATE, LABELS)):
        unit = "万元" if group and "万元" in group else ("人次" if group and "人次" in group else "个")
        this_year = None if i in (3, 9) else i + 1
        ws.append([(group or "").replace("\n", ""), label, unit, 100 + i, this_year, "已核" if i == 0 else None])
    wb.save(f"{OUT}/stats_value_far.xlsx")


def stats_transposed():
    """The template laid out across: group labels merged over their
    sub-labels in two header rows, the values in the row below."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计表"
    ws["A1"] = "2024年晋城市科技活动周开展情况统计表"
    ws["A2"] = "部门/地方（盖章）：阳城县科技和商务局"
    col = 1
    start = {}
    for (group, _), label in zip(TEMPLATE, LABELS):
        if group is None:
            ws.cell(3, col, label)
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
        else:
            if group not in start:
                start[group] = col
                ws.cell(3, col, group.replace("\n", ""))
            ws.cell(4, col, label)
        col += 1
    for group, first in start.items():
        ws.merge_cells(start_row=3, start_column=first, end_row=3, end_column=first + GROUPS.count(group) - 1)
    for i, v in enumerate([9, 0, 1, 2, 3, "无", 0.5, None, 4, 20, 35, 1, 2600, 8000, 5, 14, 1, 0, 0]):
        if v is not None:
            ws.cell(5, i + 1, v)
    wb.save(f"{OUT}/stats_transposed.xlsx")


def stats_toplevel_after_group():
    """No merged cells; the group label on its first sub-row only, and the
    top-level rows after the last group written in the sub-labels'
    column, right after the group's sub-rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["部门/地方（盖章）：沁水县科协"])
    ws.append(["项目", None, "数量"])
    seen = set()
    for i, ((group, _), label) in enumerate(zip(TEMPLATE, LABELS)):
        g = None
        if group is not None and group not in seen:
            seen.add(group)
            g = group.replace("\n", "")
        ws.append([g, label, i + 10])
    wb.save(f"{OUT}/stats_toplevel_after_group.xlsx")


def stats_hidden_differs():
    """A filled table in a visible sheet and another, different, in a
    hidden one: the visible is used, the difference reported."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计表"
    write_template(ws, "高平市科协", [3, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 100, 200, 1, 1, 1, 1, 1])
    old = wb.create_sheet("旧表")
    write_template(old, "高平市科协", [2, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 90, 200, 1, 1, 1, 1, 1])
    old.sheet_state = "hidden"
    wb.save(f"{OUT}/stats_hidden_differs.xlsx")


def recommend_two_row_header():
    """联系人 merged over 姓名 and 电话; the other header cells merged down
    over both header rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "推荐表"
    ws.append(["2026年特色活动推荐表"])
    ws.append(["序号", "活动名称", "活动内容简介", "举办时间", "举办地点", "承办单位", "推荐单位", "联系人", None])
    ws.append([None, None, None, None, None, None, None, "姓名", "电话"])
    for c in range(1, 8):
        ws.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
    ws.merge_cells("H2:I2")
    for r in ROWS_2026[:3]:
        ws.append([r[0], r[1], r[2], r[3], r[4], r[5], r[7], r[8], r[9]])
    wb.save(f"{OUT}/recommend_two_row_header.xlsx")


if __name__ == "__main__":
    stats_template()
    stats_variant()
    stats_hidden()
    stats_formula_source()
    recommend_2026()
    recommend_long()
    stats_values_typed()
    stats_value_left()
    stats_value_far()
    stats_transposed()
    stats_toplevel_after_group()
    stats_hidden_differs()
    recommend_two_row_header()
