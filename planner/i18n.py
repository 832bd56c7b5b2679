"""English and Simplified Chinese labels for the app and the maps.

Facility type and rule names are not here: they come from the rulebook
(``FacilityType.name(lang)``, ``CommunityRule.name(lang)``), so a city rule file names its
own types in both languages. Everything else a planner reads is a key of :data:`LABELS`.
Terms follow the project glossary (社区 community, 街道 sub-district, 设施 facility...).
"""

from __future__ import annotations

import re

LANGS: tuple[str, ...] = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "简体中文"}

LABELS: dict[str, tuple[str, str]] = {
    # page
    "title": ("Community service coverage planner", "社区服务设施覆盖规划"),
    "subtitle": (
        "15-minute community life circles: who can walk to each service, which communities meet the standards",
        "十五分钟社区生活圈:谁能步行到达各类服务设施,哪些社区达到配置标准",
    ),
    "language": ("Language / 语言", "语言 / Language"),
    "synthetic_notice": (
        "Sample district: synthetic data generated for demonstration; not a real place.",
        "示例片区:为演示生成的虚构数据,并非真实地点。",
    ),
    "study_caption": (
        "{study} · {communities} communities · {residents:,} residents · {mode} · cells {cell} m · CRS {crs}",
        "{study} · {communities}个社区 · 常住人口{residents:,}人 · {mode} · 分析单元{cell}米 · 坐标系 {crs}",
    ),
    "loading": ("Analysing the district…", "正在分析片区……"),
    "load_time": ("analysed in {seconds:.1f} s", "分析用时{seconds:.1f}秒"),
    # data panel
    "data": ("Data", "数据"),
    "source": ("Study", "研究数据"),
    "source_sample": ("Bundled sample district", "内置示例片区"),
    "source_upload": ("Upload my own study", "上传自己的数据"),
    "source_file": ("Study opened: {name}", "已打开的研究数据:{name}"),
    "mode": ("Distance", "距离计算"),
    "mode_walk": ("Walking (street network)", "步行(道路网络)"),
    "mode_euclidean": ("Straight line", "直线距离"),
    "cell_size": ("Analysis cell size (m)", "分析单元大小(米)"),
    "input_crs": ("Coordinates of files without a CRS", "无坐标系文件的坐标"),
    "crs_auto": ("Read from the files", "从文件读取"),
    "crs_wgs84": ("WGS84 (GPS, OpenStreetMap)", "WGS84(GPS、OpenStreetMap)"),
    "crs_cgcs2000": ("CGCS2000 (EPSG:4490)", "CGCS2000(EPSG:4490)"),
    "crs_gcj02": ("GCJ-02 (AMap, Tencent)", "GCJ-02(高德、腾讯)"),
    "crs_bd09": ("BD-09 (Baidu)", "BD-09(百度)"),
    "layer_crs": ("Coordinates of this file", "该文件的坐标"),
    "crs_file_auto": ("As the file says (or the setting below)", "按文件自带坐标系(或下方设置)"),
    "crs_file_wgs84": ("WGS84 (GPS, OpenStreetMap)", "WGS84(GPS、OpenStreetMap)"),
    "crs_file_cgcs2000": ("CGCS2000 (EPSG:4490)", "CGCS2000(EPSG:4490)"),
    "crs_file_gcj02": ("GCJ-02 (AMap, Tencent), even if tagged WGS84", "GCJ-02(高德、腾讯),即使标为WGS84"),
    "crs_file_bd09": ("BD-09 (Baidu), even if tagged WGS84", "BD-09(百度),即使标为WGS84"),
    "rulebook": ("Rulebook (city TOML, optional)", "规则库(城市TOML文件,可选)"),
    "rulebook_default": ("National defaults: {name}", "全国默认:{name}"),
    "upload_gpkg": (
        "One GeoPackage with layers communities, facilities (and streets, cells)",
        "一个GeoPackage,含communities、facilities图层(及streets、cells)",
    ),
    "upload_or_layers": ("…or one file per layer:", "……或每个图层一个文件:"),
    "upload_communities": ("Communities (polygons)", "社区边界(面)"),
    "upload_facilities": ("Facilities (points; CSV/XLSX with lon/lat)", "设施(点;或含经纬度的CSV/XLSX)"),
    "upload_streets": ("Streets (OSM .osm/.pbf or lines)", "道路(OSM .osm/.pbf或线图层)"),
    "upload_cells": ("Population cells (optional)", "人口分析单元(可选)"),
    "upload_formats": (
        "GeoPackage, GeoJSON, zipped Shapefile, GeoParquet, CSV/XLSX (lon/lat); at most {mb} MB per file",
        "支持GeoPackage、GeoJSON、Shapefile压缩包、GeoParquet、含经纬度的CSV/XLSX;每个文件不超过{mb}MB",
    ),
    "upload_needed": (
        "Upload a GeoPackage, or at least communities and facilities files, then press Analyse.",
        "请上传GeoPackage,或至少上传社区和设施文件,然后点击“分析”。",
    ),
    "analyse": ("Analyse", "分析"),
    "error_title": ("The study could not be analysed", "无法分析该数据"),
    "error_bug": (
        "Unexpected error ({kind}): this is a bug in planner, please report it. The app keeps working.",
        "意外错误({kind}):这是planner的程序缺陷,请反馈。应用仍可继续使用。",
    ),
    "error_part": ("This part of the page could not be shown", "此部分无法显示"),
    "map_failed": ("The map could not be drawn", "无法绘制地图"),
    "error_using_previous": ("Still showing the previous study.", "仍显示之前的研究数据。"),
    # KPIs
    "kpi_residents": ("Residents", "常住人口"),
    "kpi_communities_all": ("Communities meeting every rule", "全部达标的社区"),
    "kpi_coverage": ("Within {radius:g} m of {article}{type}", "{type}{radius:g}米覆盖"),
    "kpi_rule": ("{rule}", "{rule}"),
    "kpi_of": ("{n} of {total}", "{n} / {total}"),
    "kpi_rule_sentence": (
        "{n} of {total} communities meet “{rule}”",
        "{total}个社区中有{n}个达到“{rule}”",
    ),
    "kpi_residents_sentence": (
        "{covered:,} of {total:,} residents ({share:.0%}) live within {radius:g} m of {article}{type}",
        "{total:,}名居民中有{covered:,}人({share:.0%})居住在{type}{radius:g}米范围内",
    ),
    "kpi_unreachable": ("Reach no {type}", "无法到达{type}"),
    "kpi_unreachable_sentence": (
        "{n:,} residents reach no {type} over the streets; they count as not covered",
        "{n:,}名居民沿道路无法到达任何{type},按未覆盖计",
    ),
    "kpi_unreachable_network": (
        "The street network is in {pieces:,} piece(s) and {far:,} residents live farther than {snap:g} m from a "
        "street. Upload a street file wider than the district, or add the missing links that join the pieces "
        "(validation.csv lists them).",
        "路网分为{pieces:,}个互不连通的片段,另有{far:,}名居民距道路超过{snap:g}米。请上传范围更大的路网,"
        "或补上连接各片段的缺失道路(见validation.csv)。",
    ),
    "residents_unit": ("residents", "人"),
    # map
    "map": ("Map", "地图"),
    "focus_type": ("Facility type", "设施类型"),
    "view": ("Colour the map by", "地图着色"),
    "view_compliance": ("Compliance of communities", "社区达标情况"),
    "view_coverage": ("Distance to the nearest {type}", "到最近{type}的距离"),
    "colour_rule": ("Rule", "规则"),
    "all_rules": ("All rules (number failed)", "全部规则(未达标项数)"),
    "basemap": ("Basemap", "底图"),
    "basemap_none": ("None (offline)", "无(离线)"),
    "basemap_osm": ("OpenStreetMap", "OpenStreetMap"),
    "basemap_light": ("Light (CARTO)", "浅色(CARTO)"),
    "basemap_failed": (
        "Basemap tiles could not be loaded (offline?). Choose “None”.",
        "底图瓦片无法加载(可能处于离线状态),请选择“无”。",
    ),
    "layer_communities": ("Communities", "社区"),
    "layer_cells": ("Cells: distance to {type}", "分析单元:到{type}的距离"),
    "layer_facilities": ("Facilities: {type}", "设施:{type}"),
    "layer_service_areas": ("Service areas: {type}", "服务范围:{type}"),
    "layer_streets": ("Streets", "道路"),
    "layer_changes": ("Scenario changes", "方案改动"),
    "layer_selection": ("Selection", "选中对象"),
    "map_hint": (
        "Click the map to place a new facility; click a facility to select it.",
        "点击地图放置新设施;点击设施图标选中该设施。",
    ),
    # legend
    "legend": ("Legend", "图例"),
    "legend_communities": ("Communities: rules failed", "社区:未达标规则数"),
    "legend_rule": ("Communities: {rule}", "社区:{rule}"),
    "legend_pass": ("meets the standard", "达标"),
    "legend_fail": ("fails", "未达标"),
    "legend_na": ("not assessed (data missing)", "未评估(缺少数据)"),
    "legend_failed_n": ("{n} failed", "{n}项未达标"),
    "legend_failed_none": ("all rules met", "全部达标"),
    "legend_failed_more": ("{n} or more failed", "{n}项及以上未达标"),
    "legend_cells": ("Walk to nearest {type}", "步行到最近{type}"),
    "legend_cells_straight": ("Straight line to nearest {type}", "直线到最近{type}"),
    "legend_covered": ("covered", "覆盖"),
    "legend_uncovered": ("not covered", "未覆盖"),
    "legend_unreachable": ("no route / none", "无法到达"),
    "legend_facilities": ("Facilities (size: floor area)", "设施(大小表示建筑面积)"),
    "legend_below_min": ("red ring: below the minimum floor area", "红圈:低于最低建筑面积"),
    "legend_new": ("dashed: added or changed in the scenario", "虚线:方案中新增或修改"),
    "legend_removed": ("×: removed in the scenario", "×:方案中移除"),
    "legend_service_area": ("service area ({radius:g} m {how})", "服务范围({radius:g}米{how})"),
    "walk_word": ("walk", "步行"),
    "straight_word": ("straight line", "直线"),
    # popups and tooltips
    "rules_failed_tip": ("{n} of {m} rules failed", "{m}项规则中{n}项未达标"),
    "all_rules_met_tip": ("all {m} assessed rules met", "{m}项已评估规则全部达标"),
    "cell_tip": (
        "{dist} to the nearest {type} · {pop:,} residents",
        "到最近{type}{dist} · {pop:,}人",
    ),
    "no_route": ("no route", "无法到达"),
    "metres": ("{m:,.0f} m", "{m:,.0f}米"),
    "type": ("Type", "类型"),
    "floor_area": ("Floor area", "建筑面积"),
    "minimum": ("minimum", "最低"),
    "unknown": ("unknown", "未知"),
    "meets_min": ("meets the minimum floor area", "达到最低建筑面积"),
    "below_min": ("below the minimum floor area", "低于最低建筑面积"),
    "no_min": ("no minimum floor area in the rulebook", "规则库未规定最低建筑面积"),
    "community": ("Community", "社区"),
    "outside": ("outside every community", "不在任何社区内"),
    "served": ("Residents within {radius:g} m", "{radius:g}米内居民"),
    "complex_total": ("community's complex floor area", "所在社区综合服务设施总面积"),
    "scenario_added": ("added in this scenario", "本方案新增"),
    "scenario_moved": ("moved in this scenario", "本方案移动"),
    "scenario_resized": ("floor area changed in this scenario", "本方案修改了面积"),
    "scenario_removed": ("removed in this scenario", "本方案移除"),
    "pending_point": ("New facility position", "新设施位置"),
    # communities tab
    "tab_communities": ("Communities", "社区"),
    "tab_coverage": ("Coverage", "覆盖率"),
    "tab_whatif": ("What-if", "方案推演"),
    "tab_compare": ("Compare scenarios", "方案对比"),
    "tab_downloads": ("Downloads", "下载"),
    "tab_quality": ("Data quality", "数据质量"),
    # where-to-build tab (planner.app.siting_view, ui/siting.py)
    "tab_siting": ("Where to build", "选址建议"),
    "siting_intro": (
        "Where new facilities of a type should go, among candidate sites (the study's candidates layer, else "
        "one per analysis cell near a street), the existing facilities kept. Solved exactly (HiGHS) within "
        "{seconds:g} s; the proven gap says how far from the optimum an answer at the limit can be.",
        "在候选地点(研究数据的候选地块图层,否则为临近道路的每个分析单元)中为某类设施选址,现有设施保留。"
        "以HiGHS精确求解,时限{seconds:g}秒;已证明的差距说明达到时限时的答案距最优解至多多远。",
    ),
    "siting_type": ("Facility type", "设施类型"),
    "siting_objective": ("Question", "选址目标"),
    "objective_coverage": ("Most residents covered by K new sites", "K处新址覆盖最多居民"),
    "objective_count": ("Fewest new sites to cover a share", "覆盖目标比例所需的最少新址"),
    "objective_distance": ("Least walking with K new sites", "K处新址使居民总出行距离最短"),
    "siting_k": ("New sites (K)", "新增设施数(K)"),
    "siting_target": ("Share of the reachable residents to cover", "需覆盖的可达居民比例"),
    "siting_capacity_box": ("With capacity (floor area)", "考虑容量(按建筑面积)"),
    "siting_capacity_help": (
        "Each facility serves at most the households its floor area allows (the rulebook's floor area per 100 "
        "households); new sites get the type's standard floor area. A cell's "
        "residents may be split between facilities within reach.",
        "每处设施服务的户数不超过其建筑面积所允许的户数(按规则库的每百户建筑面积标准);新址按该类设施的标准建筑面积计。一个分析单元的居民可由服务半径内的多处设施分担。",
    ),
    "siting_run": ("Find sites and show them on the map", "计算选址并在地图上显示"),
    "siting_run_help": (
        "The sites become the current what-if scenario (it replaces the edits made so far); edit them like any other.",
        "选址结果将成为当前推演方案(替换已有改动),可像其他改动一样继续编辑。",
    ),
    "siting_running": ("Solving…", "正在求解……"),
    "siting_scenario": ("Siting: {n} new {type}", "选址:新增{n}处{type}"),
    "siting_result": (
        "{n} new site(s) for {type}: {value}. {status}, {gap} ({seconds:.1f} s).",
        "{type}新增{n}处:{value}。{status},{gap}(用时{seconds:.1f}秒)。",
    ),
    "siting_capacity": (
        "{n} new site(s) for {type}, with capacity: {value}. {status}, {gap} ({seconds:.1f} s).",
        "{type}新增{n}处(考虑容量):{value}。{status},{gap}(用时{seconds:.1f}秒)。",
    ),
    "siting_value_cover": (
        "{after:,.0f} residents served (before {before:,.0f})",
        "服务居民{after:,.0f}人(原{before:,.0f}人)",
    ),
    "siting_value_distance": (
        "{after:,.0f} residents × km in all (before {before:,.0f})",
        "居民总出行距离{after:,.0f}人·公里(原{before:,.0f})",
    ),
    "siting_optimal": ("Proven optimal", "已证明最优"),
    "siting_time_limit": ("Best found within the time limit", "时限内找到的最佳方案"),
    "siting_gap": ("proven gap {gap:.2%}", "已证明差距{gap:.2%}"),
    "siting_no_gap": ("no proven gap", "无已证明差距"),
    "siting_load": ("Open a scenario.json written by `planner site`", "打开由 `planner site` 生成的 scenario.json"),
    "siting_loaded": ("Opened “{name}”: {n} new site(s) on the map.", "已打开“{name}”:地图上显示{n}处新址。"),
    "plan_title": ("Phased build plan", "分期建设计划"),
    "plan_rule": (
        "Sites in the order they add most; the ranked list is split into thirds: the first third near-term, "
        "the second mid-term, the last long-term. Residents added: within the radius and not covered by an "
        "existing facility or an earlier site.",
        "按新增服务居民从多到少排序;排序后的清单三等分:前三分之一为近期,中间为中期,最后为远期。"
        "新增居民:位于服务半径内、且未被现有设施或更早建设的新址覆盖的居民。",
    ),
    "plan_none": (
        "The current scenario adds no facility: run a siting question or open a scenario.json.",
        "当前方案没有新增设施:请计算选址或打开 scenario.json。",
    ),
    "plan_phases": ("Phases", "各期汇总"),
    "phase_near": ("Near-term", "近期"),
    "phase_mid": ("Mid-term", "中期"),
    "phase_far": ("Long-term", "远期"),
    "plan_rank": ("Rank", "序号"),
    "plan_phase": ("Phase", "建设期"),
    "plan_site": ("Site", "选址"),
    "plan_type": ("Type", "设施类型"),
    "plan_added": ("Residents added", "新增服务居民"),
    "plan_area": ("Floor area (m²)", "建筑面积(平方米)"),
    "plan_sites": ("Sites", "新址数"),
    "plan_passing": ("Communities passing after it", "完成后达标社区"),
    "plan_passing_n": ("{n} of {total}", "{n}/{total}个"),
    "plan_new_passing": ("Communities that then pass", "新达标社区"),
    "choose_community": ("Community", "社区"),
    "none_selected": ("(none: whole district)", "(未选择:整个片区)"),
    "community_rules": ("Rule results for {name}", "{name}的规则评估结果"),
    "col_name": ("Community", "社区"),
    "col_sub_district": ("Sub-district", "街道"),
    "col_population": ("Residents", "常住人口"),
    "col_households": ("Households", "户数"),
    "col_staff": ("Staff", "工作人员"),
    "col_failed": ("Rules failed", "未达标项"),
    "col_complex": ("Complex floor area (m²)", "综合服务设施面积(m²)"),
    "col_share": ("Within {radius:g} m of {type}", "{type}{radius:g}米覆盖率"),
    "col_rule": ("Rule", "规则"),
    "col_result": ("Result", "结果"),
    "col_value": ("Measured", "实测值"),
    "col_threshold": ("Standard", "标准值"),
    "col_reason": ("Why", "说明"),
    "col_source": ("Source", "依据"),
    "col_status": ("Status", "核实状态"),
    "pass": ("pass", "达标"),
    "fail": ("fail", "未达标"),
    "na": ("n/a", "未评估"),
    "table_hint": (
        "Sorted by rules failed; click a column header to sort, a row to select the community.",
        "按未达标项数排序;点击列标题可排序,点击行可选中社区。",
    ),
    # coverage tab
    "chart_title": ("Residents within the service radius, by facility type", "各类设施服务半径内居民比例"),
    "chart_share": ("Share of residents covered", "覆盖居民比例"),
    "chart_radius": ("Radius (m)", "服务半径(米)"),
    "rules_title": ("Communities meeting each rule", "各项规则的达标社区数"),
    "rule_passing": ("Passing", "达标"),
    "rule_failing": ("Failing", "未达标"),
    "rule_na": ("Not assessed", "未评估"),
    "source_status": ("Source and status", "依据与核实状态"),
    # what-if
    "whatif_intro": (
        "Edit facilities and see coverage and compliance update. Changes are kept in this browser session only.",
        "修改设施并即时查看覆盖率和达标情况的变化。改动只保存在当前浏览器会话中。",
    ),
    "add_title": ("Add a facility", "新增设施"),
    "lon": ("Longitude (WGS84)", "经度(WGS84)"),
    "lat": ("Latitude (WGS84)", "纬度(WGS84)"),
    "click_first": ("Click the map to choose a position, or type it.", "请点击地图选择位置,或直接输入坐标。"),
    "new_name": ("Name", "名称"),
    "new_name_default": ("New {type}", "新建{type}"),
    "add": ("Add facility", "新增设施"),
    "edit_title": ("Change an existing facility", "修改现有设施"),
    "choose_facility": ("Facility", "设施"),
    "several_here": ("{n} facilities at the spot clicked: which one?", "点击处有{n}个设施,请选择:"),
    "choose_one": ("Choose one…", "请选择……"),
    "outside_district": (
        "“{edit}”: the position ({lon:.6f}, {lat:.6f}) is outside every community of the district. "
        "Keep this edit anyway, or cancel it and choose another position.",
        "“{edit}”:位置({lon:.6f}, {lat:.6f})不在片区的任何社区内。仍保留此改动,或取消并另选位置。",
    ),
    "outside_in_file": (
        "Edits outside every community of the district: {edits}.",
        "以下改动的位置不在片区的任何社区内:{edits}。",
    ),
    "keep_anyway": ("Keep it anyway", "仍然保留"),
    "cancel": ("Cancel", "取消"),
    "also_shown": ("Also show facilities", "同时显示设施"),
    "also_shown_none": ("only the chosen type", "仅显示所选类型"),
    "move_here": ("Move to the position above", "移动到上方坐标"),
    "resize": ("Set floor area", "修改建筑面积"),
    "remove": ("Remove facility", "移除设施"),
    "undo": ("Undo last edit", "撤销上一步"),
    "reset": ("Reset scenario", "重置方案"),
    "edits": ("Edits in this scenario", "本方案的改动"),
    "no_edits": ("No edits yet: the map shows the existing facilities.", "暂无改动:地图显示现状设施。"),
    "change_title": ("Change against the existing situation", "与现状相比的变化"),
    "no_change": ("No change in coverage or compliance.", "覆盖率和达标情况没有变化。"),
    "update_time": ("updated in {ms:.0f} ms", "更新用时{ms:.0f}毫秒"),
    "scenario_name": ("Scenario name", "方案名称"),
    "save_scenario": ("Save scenario (JSON)", "保存方案(JSON)"),
    "load_scenario": ("Load a scenario file", "载入方案文件"),
    "loaded_scenario": ("Loaded scenario “{name}” with {n} edits.", "已载入方案“{name}”,共{n}项改动。"),
    "other_study": (
        "This scenario was made for study “{other}”; it is applied to “{this}”.",
        "该方案基于研究数据“{other}”,现应用于“{this}”。",
    ),
    "op_add": ("add", "新增"),
    "op_move": ("move", "移动"),
    "op_resize": ("resize", "改面积"),
    "op_remove": ("remove", "移除"),
    # compare
    "compare_intro": (
        "Compare two scenarios side by side: the existing situation, the current scenario or a scenario file.",
        "并排对比两个方案:现状、当前方案或方案文件。",
    ),
    "scenario_a": ("Scenario A", "方案A"),
    "scenario_b": ("Scenario B", "方案B"),
    "existing": ("Existing situation", "现状"),
    "current": ("Current scenario ({n} edits)", "当前方案({n}项改动)"),
    "from_file": ("From a file…", "来自文件……"),
    "col_type": ("Facility type", "设施类型"),
    "col_radius": ("Radius (m)", "半径(米)"),
    "col_delta": ("B − A", "B − A"),
    "col_passing": ("Communities passing", "达标社区"),
    "col_passing_side": ("Passing · {side}", "达标社区 · {side}"),
    "col_assessed": ("Communities assessed", "参评社区"),
    # downloads
    "dl_intro": ("Results of the scenario shown on the map.", "下载地图当前所示方案的结果。"),
    "dl_gpkg": ("Result layers (GeoPackage)", "结果图层(GeoPackage)"),
    "dl_csv": ("Communities (CSV)", "社区结果(CSV)"),
    "dl_checks": ("Rule checks (CSV)", "规则评估明细(CSV)"),
    "dl_xlsx": ("All tables (Excel)", "全部表格(Excel)"),
    "dl_scenario": ("Scenario file (JSON)", "方案文件(JSON)"),
    "dl_map": ("Map (HTML, works offline)", "地图(HTML,可离线打开)"),
    "report_heading": ("Report for officials", "评估报告"),
    "report_format": ("Format", "格式"),
    "report_lang": ("Report language", "报告语言"),
    "dl_report": ("Download the report ({fmt})", "下载报告({fmt})"),
    "report_hint": (
        "Built when you click: a PDF takes about 10 s. It covers the scenario shown on the map.",
        "点击后生成:PDF 约需 10 秒。报告内容为地图当前所示方案。",
    ),
    "quality_intro": (
        "Every input feature that was repaired, dropped or flagged, and why.",
        "所有被修复、剔除或标记的输入要素及原因。",
    ),
    "quality_none": ("No input feature needed repair.", "所有输入要素均无需修复。"),
    "q_layer": ("Layer", "图层"),
    "q_id": ("Feature id", "要素编号"),
    "q_reason": ("Problem", "问题"),
    "q_action": ("What was done", "处理方式"),
    "q_message": ("Details", "说明"),
    "q_action_dropped": ("dropped", "已剔除"),
    "q_action_repaired": ("repaired", "已修复"),
    "q_action_flagged": ("flagged", "已标记"),
    "q_layer_communities": ("communities", "社区"),
    "q_layer_facilities": ("facilities", "设施"),
    "q_layer_streets": ("streets", "道路"),
    "q_layer_cells": ("population cells", "人口分析单元"),
    "q_layer_buildings": ("buildings", "建筑"),
    # workstations and grids (planner.app.regions_view, ui.regions)
    "tab_regions": ("Workstations and grids", "工作站与网格"),
    "rg_intro": (
        "Community workstations (社区工作站) of several neighbouring communities, and governance grids (网格) inside "
        "each community, following the buildings where the study has them. Choose the sizes and show them.",
        "由相邻社区组成的社区工作站,以及各社区内的网格(有建筑数据时按楼栋划分)。设定规模后显示。",
    ),
    "rg_show": ("Show workstations and grids", "显示工作站与网格"),
    "rg_computing": ("Grouping communities and splitting grids…", "正在划分工作站与网格……"),
    "rg_min_comm": ("Fewest communities per station", "每个工作站最少社区数"),
    "rg_max_comm": ("Most communities per station", "每个工作站最多社区数"),
    "rg_balance": ("Balance stations by", "工作站均衡依据"),
    "rg_balance_households": ("households", "户数"),
    "rg_balance_population": ("residents", "常住人口"),
    "rg_balance_workload": ("workload (households and area)", "工作量(户数与面积)"),
    "rg_min_hh": ("Fewest households per grid", "每个网格最少户数"),
    "rg_max_hh": ("Most households per grid", "每个网格最多户数"),
    "rg_apply": ("Apply", "应用"),
    "rg_summary": (
        "{stations} workstations ({islands} on their own), CV of {balance} {cv:.3f}; {grids} grids, "
        "{workers} grid workers needed; {short} communities have fewer staff than that.",
        "共{stations}个工作站(其中{islands}个单独设站),{balance}变异系数{cv:.3f};共{grids}个网格,"
        "需网格员{workers}名;{short}个社区的工作人员少于所需。",
    ),
    "rg_stations_heading": ("Per workstation", "各工作站"),
    "rg_communities_heading": ("Per community", "各社区"),
    "rg_station": ("Workstation", "工作站"),
    "rg_n_communities": ("Communities", "社区数"),
    "rg_households": ("Households", "户数"),
    "rg_population": ("Residents", "常住人口"),
    "rg_staff_needed": ("Staff needed", "所需工作人员"),
    "rg_community_staff": ("Staff of its communities", "所辖社区现有工作人员"),
    "rg_site": ("Proposed site", "建议站址"),
    "rg_status": ("Status", "状态"),
    "rg_status_ok": ("within the bounds", "符合范围"),
    "rg_status_island": ("on its own (too few neighbours)", "单独设站(相邻社区不足)"),
    "rg_status_bounds_not_met": ("nearest possible (bounds not met)", "最接近的方案(未达范围)"),
    "rg_status_below_minimum": ("one grid (below the minimum)", "一个网格(低于下限)"),
    "rg_status_missing_households": ("households missing", "缺少户数"),
    "rg_status_no_cells": ("one grid (no cells)", "一个网格(无分析单元)"),
    "rg_community": ("Community", "社区"),
    "rg_name": ("Name", "名称"),
    "rg_grids": ("Grids", "网格数"),
    "rg_grid": ("Grid", "网格"),
    "rg_grid_workers": ("Grid workers needed", "所需网格员"),
    "rg_staff": ("Staff", "工作人员"),
    "rg_gap": ("Staff − grid workers", "工作人员−网格员"),
    "rg_basis": ("Grids follow", "网格依据"),
    "rg_basis_buildings": ("buildings", "楼栋"),
    "rg_basis_cells": ("analysis cells", "分析单元"),
    "rg_layer_stations": ("Workstations", "工作站"),
    "rg_layer_members": ("Communities", "社区"),
    "rg_layer_grids": ("Grids (households)", "网格(户数)"),
    "rg_layer_sites": ("Proposed sites", "建议站址"),
    "rg_site_tip": ("Workstation {station}: site {site}", "工作站{station}:站址{site}"),
    "rg_dl_gpkg": ("Stations and grids (GeoPackage)", "工作站与网格(GeoPackage)"),
    "rg_dl_stations": ("Stations (CSV)", "工作站(CSV)"),
    "rg_dl_grids": ("Grids (CSV)", "网格(CSV)"),
    "rg_dl_staff": ("Grid workers against staff (CSV)", "网格员与工作人员(CSV)"),
    "assets_missing": (
        "The map library is not installed in static/ (run: python -m planner.app.assets install); "
        "loading it from the internet instead.",
        "地图库未安装在static/中(请运行:python -m planner.app.assets install),暂从互联网加载。",
    ),
}


def t(key: str, lang: str = "en", /, **values: object) -> str:
    """The label ``key`` in ``lang`` (``"en"`` or ``"zh"``), formatted with ``values``."""
    pair = LABELS[key]
    text = pair[1] if lang == "zh" else pair[0]
    return text.format(**values) if values else text


def in_sentence(name: str, lang: str) -> str:
    """A facility type name as it reads inside an English sentence (lower case); Chinese unchanged."""
    return name if lang == "zh" else name[:1].lower() + name[1:]


def article(name: str, lang: str) -> str:
    """The English indefinite article, with its space, for a noun phrase (empty in Chinese)."""
    if lang == "zh":
        return ""
    return "an " if name[:1].lower() in "aeiou" else "a "


def mode_name(mode: str, lang: str) -> str:
    """The display name of a distance mode."""
    return t(f"mode_{mode}", lang)


def op_name(op: str, lang: str) -> str:
    """The display name of a scenario edit operation."""
    return t(f"op_{op}", lang)


#: command-line wording in library messages -> what to do in the app ({label keys} filled in)
_CLI_TO_APP = (
    (r"Pass --input-crs to say what it is", "Choose what it is in “{input_crs}”"),
    (r"drop --input-crs (\w+)=\w+", "set “{layer_crs}” under the \\1 file to “{crs_file_auto}”"),
    (r"--input-crs (\w+)=(\w+)", "“{layer_crs}” = \\2 under the \\1 file"),
    (r"the bare --input-crs (\w+)", "“\\1” in “{input_crs}”"),
    (r"--input-crs (\w+) means", "“{input_crs}” = \\1 means"),
    (r"drop --input-crs \w+", "choose another “{input_crs}”"),
    (r"--input-crs", "“{input_crs}”"),
    (r"(?:pass|give) --streets(?: FILE)?(?: \([^)]*\))?", "upload a file in “{upload_streets}”"),
    (r"use --mode euclidean", "choose “{mode_euclidean}” in “{mode}”"),
    (r"; if the streets are only a little farther away, raise --max-snap", ""),  # no such control in the app
)


def app_message(message: str, lang: str) -> str:
    """A library error message as the app shows it: command-line options named as app controls.

    The library speaks to command-line users ("pass --input-crs ..."); in the app the same
    choice is a control in the sidebar, so the message names that control instead.
    """
    for pattern, template in _CLI_TO_APP:
        keys = re.findall(r"{(\w+)}", template)
        text = template.format(**{k: t(k, lang) for k in keys})
        message = re.sub(pattern, text, message)
    return message


#: the access and life-circle view (planner.app.access_view, ui/access.py) and the three lists
LABELS.update(
    {
        "tab_access": ("Access and life circles", "可达性与生活圈"),
        "access_view": ("Show", "显示"),
        "access_view_access": ("Supply within reach (2SFCA)", "可达供给(两步移动搜寻法)"),
        "access_view_tiers": ("Life circles", "生活圈"),
        "access_caption": (
            "{type}: floor area within reach of {group}, shared among the residents within each facility's "
            "{radius:g} m (2SFCA), per 100 households.",
            "{type}:{group}可达的建筑面积,按各设施{radius:g}米内的居民分摊(两步移动搜寻法),折算为每百户。",
        ),
        "access_layer": ("{type}: supply per 100 households", "{type}:每百户可达供给"),
        "access_legend": ("{type}, m² per 100 households", "{type},每百户平方米"),
        "access_none": ("none within reach", "无可达设施"),
        "access_per_resident": ("m² per resident", "人均平方米"),
        "access_per_100": ("m² per 100 households", "每百户平方米"),
        "tier_choose": ("Life circle", "生活圈"),
        "tier_layer": ("{tier}: cells", "{tier}:分析单元"),
        "tier_complete": ("complete: every service of the circle within reach", "完整:生活圈内各类设施均可达"),
        "tier_partial": ("partly: some services within reach", "部分:部分设施可达"),
        "tier_none": ("none within reach", "均不可达"),
        "tier_name_5_minute": ("5-minute life circle", "五分钟生活圈"),
        "tier_name_10_minute": ("10-minute life circle", "十分钟生活圈"),
        "tier_name_15_minute": ("15-minute life circle", "十五分钟生活圈"),
        "tier_col_types": ("{tier}: services within reach %", "{tier}:设施可达比例%"),
        "tier_col_complete": ("{tier}: residents in a complete circle %", "{tier}:完整生活圈居民比例%"),
        "tier_caption": (
            "Within reach: the nearest facility of each type within the circle's walking distance for the group "
            "it serves (slower walkers, shorter distance).",
            "可达:各类设施中最近者位于其服务人群的生活圈步行距离内(步行较慢的人群,距离较短)。",
        ),
        "lists_title": (
            "Three lists of {name}: demand, resources, service balance",
            "{name}的三张清单:需求、资源、服务",
        ),
        "lists_hint": (
            "Choose a community beside the map to see its three lists.",
            "在地图旁选择社区,查看其三张清单。",
        ),
        "list_type": ("Service", "设施类型"),
        "list_group": ("Served group", "服务人群"),
        "list_demand_residents": ("Residents of the group", "服务人群人数"),
        "list_basis": ("How counted", "人数来源"),
        "list_in_reach": ("Facilities within reach", "可达设施数"),
        "list_supply": ("Supply", "供给量"),
        "list_unit": ("Unit", "单位"),
        "list_per_100": ("Per 100 households", "每百户"),
        "list_standard": ("Standard per 100 households", "每百户标准"),
        "list_shortfall": ("Shortfall", "缺口"),
        "basis_all_residents": ("all residents", "全体居民"),
        "basis_community_counts": ("community's own count", "社区统计人数"),
        "basis_census_share": ("census share", "普查比例估算"),
        "group_title": ("Who each service is for", "各类设施的服务人群"),
        "group_residents": ("Residents of the group", "服务人群人数"),
        "group_covered": ("Of them within the radius", "其中在服务半径内"),
        "group_share": ("Share of the group", "服务人群覆盖率"),
        "group_caption": (
            "Coverage counts the residents each service is for: the elderly for day care, children for "
            "kindergartens and schools. 'How counted' says whether the communities' own counts or the "
            "rulebook's census shares were used.",
            "覆盖按各类设施的服务人群计算:日间照料为老年人,幼儿园和学校为相应年龄儿童。"
            "“人数来源”说明采用社区统计人数还是规则库中的普查比例估算。",
        ),
        "unit_m2": ("m²", "平方米"),
        "unit_places": ("places", "个(床位/学位)"),
        "unit_facilities": ("facilities", "处"),
    }
)
