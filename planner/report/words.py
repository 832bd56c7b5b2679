"""The report's own words for the district sections, in English and Chinese.

key -> (English, Chinese); placeholders are ``str.format`` fields. Numbers are never part of a
template: :func:`planner.report.text.fmt_number` formats them and they are passed in. The words
of the planning sections (siting, workstations and grids, access) are in
:mod:`planner.report.words_plan`; :data:`planner.report.text.STRINGS` holds both.
"""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # cover
    "title": ("Community service coverage and standards compliance", "社区服务设施覆盖与达标评估报告"),
    "subtitle": (
        "15-minute community life circle: who can reach each service, and which community meets which standard",
        "十五分钟社区生活圈:居民可达哪些服务,各社区达到了哪些标准",
    ),
    "district": ("District", "评估区域"),
    "analysis_date": ("Analysis date", "分析日期"),
    "rulebook": ("Rulebook", "规则库"),
    "rulebook_id": ("Rulebook version", "规则库版本"),
    "rulebook_version": ("{id}, version {version}", "{id},版本 {version}"),
    "distance_mode": ("Distance", "距离计算"),
    "mode_walk": ("walking distance along the street network", "沿道路网络的步行距离"),
    "mode_euclidean": ("straight-line distance", "直线距离"),
    "analysis_crs": ("Coordinate system", "坐标系"),
    "planner_version": ("Software", "软件"),
    "scenario": ("Scenario", "方案"),
    "scenario_none": ("current facilities (no edits)", "现状设施(未修改)"),
    "scenario_edits": (
        "{label}: {n} edit(s) to the facilities, listed in section {section}",
        "{label}:设施修改{n}处,见第{section}节",
    ),
    "data_sources": ("Data sources", "数据来源"),
    "layer": ("Layer", "图层"),
    "file": ("File", "文件"),
    "modified": ("File date", "文件日期"),
    "features": ("Features", "要素数"),
    "osm_note": (
        "Street network: © OpenStreetMap contributors, available under the Open Database Licence (ODbL).",
        "道路网络:© OpenStreetMap 贡献者,依据开放数据库许可协议(ODbL)使用。",
    ),
    "contents": ("Contents", "目录"),
    "layer_communities": ("communities", "社区"),
    "layer_facilities": ("facilities", "设施"),
    "layer_cells": ("analysis cells", "分析单元"),
    "layer_streets": ("streets", "道路"),
    "layer_buildings": ("buildings", "建筑"),
    "layer_candidates": ("candidate sites", "备选用地"),
    # section titles
    "s_summary": ("Summary", "摘要"),
    "s_maps": ("Maps", "地图"),
    "s_tables": ("Results by community and facility", "分社区与分设施结果"),
    "s_recommend": ("Recommendations", "建议"),
    "s_method": ("Method and provenance", "方法与数据来源"),
    "s_scenario": ("Scenario", "方案说明"),
    # summary
    "key_figures": ("The district in figures", "基本情况"),
    "kf_communities": ("communities", "个社区"),
    "kf_residents": ("residents", "常住人口"),
    "kf_households": ("households", "户"),
    "kf_staff": ("community workers", "名社区工作者"),
    "kf_facilities": ("facilities assessed", "处设施参与评估"),
    "coverage_heading": ("Who can reach each service", "各类服务的覆盖情况"),
    "headline_walk": (
        "{share} of residents live within a {radius} m walk of {article}{type}.",
        "{share}的居民步行{radius}米内可到达{type}。",
    ),
    "headline_euclidean": (
        "{share} of residents live within {radius} m (straight line) of {article}{type}.",
        "{share}的居民居住在{type}{radius}米直线距离内。",
    ),
    "headline_unreachable": (
        "{share} reach no {type} at all over the streets (the street network is in pieces or too far from "
        "them; see validation.csv) and count as not covered.",
        "{share}的居民沿道路无法到达任何{type}(路网不连通或距离过远,见validation.csv),按未覆盖计。",
    ),
    "standards_heading": ("Which communities meet the standards", "各社区达标情况"),
    "lead_some": ("{n} of {total} communities", "{total}个社区中有{n}个"),
    "lead_none": ("None of the {total} communities", "{total}个社区均未"),
    "lead_all": ("All {total} communities", "{total}个社区全部"),
    "std_complex": (
        "{lead} meet the community-service complex standard of at least {min_m2} m² and {per100} m² per 100 "
        "households.",
        "{lead}达到社区综合服务设施标准(建筑面积不少于{min_m2}平方米,且每百户不低于{per100}平方米)。",
    ),
    "std_complex_short": (
        "Together the failing communities lack {short} m² of complex floor area.",
        "未达标社区合计缺少综合服务设施建筑面积{short}平方米。",
    ),
    "std_staff": (
        "{lead} have at least {per10k} community workers per 10,000 residents. "
        "The district has {staff} workers for {residents} residents, {ratio} per 10,000; "
        "{need} more are needed to bring every community up to the standard.",
        "{lead}达到每万名常住人口{per10k}名社区工作者的标准。全区共有社区工作者{staff}名,"
        "服务常住人口{residents}人,每万人{ratio}名;要使每个社区达标,还需增加{need}名。",
    ),
    "std_grid": (
        "{lead} have governance grids of {lo}–{hi} households each.",
        "{lead}符合每格{lo}–{hi}户的网格规模。",
    ),
    "std_facility_area": (
        "{lead} have every facility at or above the minimum floor area of its type; {below} facilities are smaller.",
        "{lead}满足所有设施不低于相应类型最低建筑面积的要求;全区另有{below}处设施面积不足。",
    ),
    "std_generic": ("{lead} meet the standard “{rule}”.", "{lead}达到“{rule}”标准。"),
    "std_not_assessed": (" {na} could not be assessed (data missing).", "另有{na}个社区因数据缺失未评估。"),
    "gaps_heading": ("The three most urgent gaps", "最突出的三项短板"),
    "gaps_ranking": (
        "Ranked by the number of residents affected.",
        "按受影响的居民人数排序。",
    ),
    "gaps_none": ("Every community meets every standard assessed.", "所有社区均达到全部已评估标准。"),
    "gap_coverage_walk": (
        "{n} residents ({share}) live more than a {radius} m walk from {article}{type}; the most in {where}.",
        "{n}名居民({share})步行{radius}米内没有{type},人数最多的是{where}。",
    ),
    "gap_coverage_euclidean": (
        "{n} residents ({share}) live more than {radius} m (straight line) from {article}{type}; the most in {where}.",
        "{n}名居民({share}){radius}米直线距离内没有{type},人数最多的是{where}。",
    ),
    "gap_complex": (
        "{k} communities with {n} residents lack community-service complex floor area: {short} m² short in total, "
        "most in {where}.",
        "{k}个社区(常住人口{n}人)社区综合服务设施建筑面积不足,合计缺口{short}平方米,缺口较大的是{where}。",
    ),
    "gap_staff": (
        "{k} communities with {n} residents are short of community workers: {need} more are needed to reach "
        "{per10k} per 10,000 residents, most in {where}.",
        "{k}个社区(常住人口{n}人)社区工作者不足,需增加{need}名才能达到每万人{per10k}名,缺口较大的是{where}。",
    ),
    "gap_grid": (
        "{k} communities with {n} residents have governance grids outside {lo}–{hi} households each, among them "
        "{where}.",
        "{k}个社区(常住人口{n}人)的网格规模不在每格{lo}–{hi}户之间,包括{where}。",
    ),
    "gap_facility_area": (
        "{below} facilities in {k} communities ({n} residents) are smaller than the minimum floor area of their type, "
        "among them in {where}.",
        "{k}个社区(常住人口{n}人)有{below}处设施低于相应类型的最低建筑面积,包括{where}。",
    ),
    "gap_generic": (
        "{k} communities with {n} residents do not meet “{rule}”, among them {where}.",
        "{k}个社区(常住人口{n}人)未达到“{rule}”,包括{where}。",
    ),
    "list_sep": (", ", "、"),
    "list_and": (" and ", "和"),
    "clause_sep": ("; ", ";"),
    "where_item": ("{name} ({value} residents)", "{name}({value}人)"),
    "where_item_staff": ("{name} ({value} more)", "{name}(缺{value}名)"),
    "where_item_facilities": ("{name} ({value})", "{name}({value}处)"),
    "where_item_m2": ("{name} ({value} m² short)", "{name}(缺{value}平方米)"),
    # tables
    "col_type": ("Facility type", "设施类型"),
    "col_radius": ("Service radius (m)", "服务半径(米)"),
    "col_covered": ("Residents covered", "覆盖人口"),
    "col_share": ("Share covered", "覆盖率"),
    "col_uncovered": ("Residents not covered", "未覆盖人口"),
    "col_comm_meeting": ("Communities meeting the target (of {total})", "达标社区数(共{total}个)"),
    "of_total": ("{n} of {total}", "{n}/{total}"),
    "col_community": ("Community", "社区"),
    "col_community_id": ("Id", "编码"),
    "col_sub_district": ("Sub-district", "街道"),
    "col_population": ("Residents", "常住人口"),
    "col_households": ("Households", "户数"),
    "col_staff": ("Staff", "工作人员"),
    "col_rule": ("Standard", "标准"),
    "col_value": ("Value", "实际值"),
    "col_threshold": ("Threshold", "标准值"),
    "col_result": ("Result", "结果"),
    "col_reason": ("Reason", "说明"),
    "col_n_failed": ("Standards not met", "未达标项数"),
    "col_facility_id": ("Id", "编号"),
    "col_facility": ("Facility", "设施名称"),
    "col_floor_area": ("Floor area (m²)", "建筑面积(平方米)"),
    "col_min_area": ("Minimum (m²)", "最低标准(平方米)"),
    "col_meets_area": ("Minimum floor area", "面积达标"),
    "col_distance_street": ("Distance to street (m)", "距道路(米)"),
    "col_rank": ("Rank", "排序"),
    "col_actions": ("What is missing", "主要短板"),
    "col_indicator": ("Indicator", "指标"),
    "col_district": ("District", "全区"),
    "pass": ("meets", "达标"),
    "fail": ("fails", "未达标"),
    "na": ("n/a", "未评估"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "t_coverage": ("Residents within the service radius of each facility type", "各类设施服务半径内的居民"),
    "t_groups": (
        "Who each service is for: the residents of its group within the service radius",
        "各类设施服务人群在服务半径内的人数",
    ),
    "col_served_group": ("Served group", "服务人群"),
    "sheet_groups": ("Served groups", "服务人群"),
    "col_group_residents": ("Residents of the group", "服务人群人数"),
    "col_group_covered": ("Of them covered", "其中覆盖"),
    "col_count_basis": ("How counted", "人数来源"),
    "basis_all_residents": ("all residents", "全体居民"),
    "basis_community_counts": ("the communities' own counts", "社区统计人数"),
    "basis_census_share": ("the rulebook's census share", "规则库普查比例估算"),
    "groups_note": (
        "Elderly day care counts residents aged 60 and over, kindergartens and schools the children of their "
        "ages; where a community gives no count of the group, the census share of the rulebook's method "
        "appendix is applied to its residents.",
        "老年人日间照料按60岁及以上老年人计算,幼儿园和学校按相应年龄儿童计算;"
        "社区未提供该人群人数的,按方法附录中规则库的普查比例估算。",
    ),
    "t_matrix": ("Standards met, by community", "各社区达标一览"),
    "t_matrix_note": (
        "✓ meets the standard, ✗ does not, – not assessed (data missing). Coverage columns: the share of residents "
        "within the radius must reach {target}.",
        "✓ 达标,✗ 未达标,– 数据缺失未评估。覆盖类指标:服务半径内居民比例须达到{target}。",
    ),
    "t_checks": ("Every community against every standard", "各社区逐项评估结果"),
    "t_checks_note": (
        "Value and threshold in the unit of each standard: share of residents (coverage), m² (complex floor area), "
        "workers per 10,000 residents (staffing), households per grid (grids, upper limit shown), facilities below "
        "their minimum (floor area).",
        "实际值与标准值的单位随标准而定:覆盖类为居民比例,综合服务设施为平方米,人员配备为每万人人数,网格为每格户数"
        "(标准值为上限),设施面积为不达标设施数。",
    ),
    "t_facilities": ("Facilities and their minimum floor area", "设施及其最低建筑面积"),
    "t_sub_cov": ("Coverage by sub-district", "分街道覆盖率"),
    "t_sub_std": ("Communities meeting each standard, by sub-district", "分街道达标社区数"),
    "t_recommend": ("Communities ranked by need", "按需求排序的社区"),
    "t_recommend_note": (
        "Ranked by the number of standards not met, then by the number of residents.",
        "按未达标项数排序,项数相同时按常住人口排序。",
    ),
    "t_siting": ("Proposed sites", "建议选址"),
    "t_siting_note": (
        "From the siting analysis supplied with this report, in the order the sites were chosen.",
        "来自随本报告提供的选址分析,按选址顺序排列。",
    ),
    "col_site": ("Site", "选址"),
    "col_added": ("Residents newly covered", "新增覆盖人口"),
    "t_parameters": ("Analysis parameters", "分析参数"),
    "t_standards": ("Standards applied, with their sources", "所用标准及其来源"),
    "t_statuses": ("Confirmation status", "核实状态说明"),
    "t_source_list": ("Verification trail: sources", "核实线索来源"),
    "t_trail": ("Verification trail: where each number was seen", "核实线索:各数值的出处"),
    "t_trail_note": (
        "The research trail behind the statuses above: the source in which each number was seen and the passage "
        "quoted from it. It supports the confirmation status; the basis of each standard is the document named in "
        "the table of standards.",
        "以下为上表核实状态所依据的研究线索:各数值见于哪一来源及所摘录的原文。线索仅用于说明核实程度,各项标准的依据"
        "为标准表中所列的标准或政策文件。",
    ),
    "col_basis": ("Basis (standard or policy document, clause)", "依据(标准或政策文件及条款)"),
    "col_trail": ("Trail", "线索代码"),
    "col_trail_note": ("Passage where it was seen", "出处摘录"),
    "col_url": ("Address", "网址"),
    "t_validation": ("Input data: what was repaired, dropped or flagged", "输入数据检查:修复、剔除或标记的要素"),
    "validation_none": ("No input feature needed repair or was dropped.", "没有需要修复或剔除的输入要素。"),
    "t_scenario": ("Edits to the facilities in this scenario", "本方案对设施的修改"),
    "col_key": ("Number", "参数"),
    "col_source": ("Source", "来源"),
    "col_status": ("Status", "状态"),
    "col_note": ("Note", "备注"),
    "col_title": ("Title", "名称"),
    "col_code": ("Code", "代码"),
    "coverage_standard": ("Coverage standard (every facility type)", "覆盖标准(各类设施)"),
    "col_meaning": ("Meaning", "含义"),
    "col_count": ("Count", "数量"),
    "col_action": ("Action", "处理"),
    "col_message": ("What it means", "说明"),
    "col_examples": ("Examples", "示例"),
    "action_dropped": ("dropped", "已剔除"),
    "action_repaired": ("repaired", "已修复"),
    "action_flagged": ("flagged", "已标记"),
    "col_parameter": ("Parameter", "参数"),
    "col_op": ("Edit", "修改"),
    "col_lon": ("Longitude", "经度"),
    "col_lat": ("Latitude", "纬度"),
    "op_add": ("add", "新增"),
    "op_move": ("move", "移动"),
    "op_resize": ("change floor area", "调整面积"),
    "op_remove": ("remove", "移除"),
    "col_setting": ("Setting", "取值"),
    # actions in recommendations
    "act_coverage": ("residents beyond the service radius: {items}", "服务半径外居民:{items}"),
    "act_coverage_item": ("{type} {n}", "{type}{n}人"),
    "act_complex": ("complex floor area {short} m² short", "综合服务设施缺{short}平方米"),
    "act_staff": ("{need} more community workers needed", "需增加社区工作者{need}名"),
    "act_grid": ("re-divide into {fit} governance grids", "宜调整为{fit}个网格"),
    "act_facility_area": ("undersized facilities: {below}", "面积不足的设施{below}处"),
    "act_generic": ("{rule}", "{rule}"),
    # maps
    "m_compliance": ("Standards not met, by community", "各社区未达标项数"),
    "m_compliance_caption": (
        "Number of the {n} standards each community does not meet; the figure on each community is that number.",
        "各社区未达到的标准项数(共{n}项),社区上的数字即未达标项数。",
    ),
    "m_rules": ("Community standards, pass or fail", "社区标准达标情况"),
    "m_rules_caption": ("Each panel shows one standard.", "每幅小图对应一项标准。"),
    "m_coverage": ("{type}: residents within {radius} m", "{type}:{radius}米服务半径覆盖"),
    "m_coverage_caption": (
        "{share} of residents covered; {n} residents are farther than {radius} m. The figure on each community is "
        "its number of residents not covered.",
        "覆盖{share}的居民;{n}名居民超出{radius}米。社区上的数字为该社区未覆盖的居民人数。",
    ),
    "lg_all_met": ("all standards met", "全部达标"),
    "lg_failed": ("{lo}–{hi} not met", "{lo}–{hi}项未达标"),
    "lg_failed_one": ("{lo} not met", "{lo}项未达标"),
    "lg_failed_plus": ("{lo} or more not met", "{lo}项及以上未达标"),
    "lg_not_assessed": ("not assessed", "未评估"),
    "lg_pass": ("meets", "达标"),
    "lg_fail": ("does not meet", "未达标"),
    "lg_covered": ("within {radius} m", "{radius}米内"),
    "lg_uncovered": ("residents per cell beyond {radius} m", "{radius}米外的单元人口"),
    "lg_facility": ("{type}", "{type}"),
    "lg_proposed": ("proposed site", "建议选址"),
    "lg_community": ("community boundary", "社区边界"),
    "north": ("N", "北"),
    "attr_data": ("Data: {study} · analysis: planner {version}", "数据:{study} · 分析:planner {version}"),
    "attr_osm": ("Streets © OpenStreetMap contributors", "道路 © OpenStreetMap 贡献者"),
    # method
    "method_cells_generated": (
        "Residents are represented by {cells} analysis cells ({shape} of {size} m), generated over the communities; "
        "each holds its share of its community's population.",
        "以{cells}个分析单元(边长{size}米的{shape})代表居民,单元覆盖各社区,并分配所在社区的相应人口。",
    ),
    "method_cells_input": (
        "Residents are represented by the {cells} analysis cells supplied with the study, with their population.",
        "以研究数据提供的{cells}个分析单元及其人口代表居民。",
    ),
    "method_walk": (
        "The distance from each cell to the nearest facility of each type is measured along the street network "
        "({nodes} nodes, {segments} street segments), including the walk from the cell onto the nearest street and "
        "from the street to the facility. A cell is covered when that distance is at most the type's service radius "
        "(a distance exactly at the radius counts as covered). Points farther than {snap} m from any street get no "
        "walking distance and count as not covered: {cells_out} cells and {fac_out} facilities.",
        "各单元到各类最近设施的距离沿道路网络计算(节点{nodes}个,路段{segments}条),包括单元到最近道路、道路到设施的"
        "步行距离。距离不大于该类设施的服务半径(等于半径亦视为覆盖)即为覆盖。距任何道路超过{snap}米的点无法计算步行"
        "距离,按未覆盖计:单元{cells_out}个,设施{fac_out}处。",
    ),
    "method_euclidean": (
        "The distance from each cell to the nearest facility of each type is the straight-line distance. A cell is "
        "covered when that distance is at most the type's service radius (a distance exactly at the radius counts as "
        "covered). Straight-line distances are shorter than walking distances: read the coverage as an upper bound.",
        "各单元到各类最近设施的距离按直线距离计算,距离不大于该类设施的服务半径(等于半径亦视为覆盖)即为覆盖。"
        "直线距离短于实际步行距离,覆盖率应视为上限。",
    ),
    "method_gaps": (
        "The three most urgent gaps on the summary page are the shortfalls that affect the most residents: for a "
        "facility type, the residents beyond its radius; for a community standard, the residents of the communities "
        "that do not meet it.",
        "摘要页“最突出的三项短板”按受影响居民人数选出:设施类型以服务半径外的居民计,社区标准以未达标社区的常住人口计。",
    ),
    "method_rules": (
        "Each community is checked against every standard of the rulebook. A value exactly at a threshold meets it. "
        "Every number below names its basis, the standard or policy document and clause it comes from, and beside "
        "it how firmly it is confirmed: numbers marked unverified (U) have not been checked against the official "
        "text and numbers marked planner default (P) are this tool's defaults, not published standards.",
        "每个社区逐项对照规则库中的全部标准进行评估,恰好等于标准值视为达标。下表列出每个数值的依据(标准或政策文件及"
        "条款)及其核实程度:“未核实”的数值尚未与标准原文核对,“本工具默认”的数值为本工具的默认取值,并非已发布的标准。",
    ),
    "p_mode": ("Distance mode", "距离方式"),
    "p_crs": ("Analysis coordinate system", "分析坐标系"),
    "p_cells": ("Analysis cells", "分析单元"),
    "p_cell_size": ("Cell size (m)", "单元边长(米)"),
    "p_cell_shape": ("Cell shape", "单元形状"),
    "p_cells_from_input": ("Cells supplied with the study", "使用研究数据提供的单元"),
    "p_max_snap": ("Maximum distance to a street (m)", "最大道路捕捉距离(米)"),
    "p_nodes": ("Street network nodes", "道路网络节点"),
    "p_segments": ("Street segments", "道路路段"),
    "p_cells_not_snapped": ("Cells farther than that from a street", "超出捕捉距离的单元"),
    "p_fac_not_snapped": ("Facilities farther than that from a street", "超出捕捉距离的设施"),
    "p_rulebook_files": ("Rule files", "规则文件"),
    "shape_square": ("squares", "正方形"),
    "shape_h3": ("H3 hexagons", "H3六边形"),
    # spreadsheet sheet names (at most 31 characters)
    "sheet_summary": ("Summary", "摘要"),
    "sheet_coverage": ("Coverage", "覆盖情况"),
    "sheet_matrix": ("Standards by community", "各社区达标一览"),
    "sheet_checks": ("Checks", "逐项评估"),
    "sheet_facilities": ("Facilities", "设施"),
    "sheet_sub_coverage": ("Sub-district coverage", "分街道覆盖率"),
    "sheet_sub_standards": ("Sub-district standards", "分街道达标"),
    "sheet_ranking": ("Ranking", "需求排序"),
    "sheet_siting": ("Proposed sites", "建议选址"),
    "sheet_rule_numbers": ("Standards", "标准"),
    "sheet_statuses": ("Status codes", "核实状态"),
    "sheet_rule_sources": ("Trail sources", "核实线索来源"),
    "sheet_rule_trail": ("Verification trail", "核实线索"),
    "sheet_validation": ("Validation", "数据检查"),
    "sheet_scenario": ("Scenario", "方案"),
    "sheet_sources": ("Data sources", "数据来源"),
    "x_sheets": ("Sheets in this workbook", "本工作簿包含的工作表"),
    "x_sheet": ("Sheet", "工作表"),
    "x_contents": ("Contents", "内容"),
    # footer
    "footer": ("{district} · {title}", "{district} · {title}"),
    "page": ("Page", "第"),
    "generated_by": ("Generated by planner {version} on {date}.", "由 planner {version} 于{date}生成。"),
    "synthetic_note": (
        "All figures are computed from the study data and the rulebook named on this page.",
        "报告中的所有数字均由本页所列研究数据和规则库计算得出。",
    ),
}
