"""The report's words for the planning sections (siting, workstations and grids, access, life circles).

key -> (English, Chinese); placeholders are ``str.format`` fields. Numbers are formatted by
:func:`planner.report.text.fmt_number` and passed in.
"""

from __future__ import annotations

PLAN_WORDS: dict[str, tuple[str, str]] = {
    # siting
    "s_siting": ("Where to build: {type}", "新增设施选址:{type}"),
    "siting_objective_coverage": (
        "maximal covering: {k} new site(s) chosen among {candidates} candidates so that the most residents live "
        "within {radius} m of a facility, the existing facilities kept",
        "最大覆盖:在{candidates}处备选用地中选出{k}处新址,保留现有设施,使{radius}米内可达设施的居民最多",
    ),
    "siting_objective_count": (
        "set covering: the fewest new sites among {candidates} candidates so that the target share of the "
        "reachable residents live within {radius} m of a facility, the existing facilities kept",
        "集合覆盖:在{candidates}处备选用地中选出最少的新址,保留现有设施,使可覆盖居民中达到目标比例的居民在{radius}米内可达设施",
    ),
    "siting_objective_distance": (
        "p-median: {k} new site(s) among {candidates} candidates minimising the residents' total distance to their "
        "nearest facility, the existing facilities kept",
        "P中位:在{candidates}处备选用地中选出{k}处新址,保留现有设施,使居民到最近设施的总距离最小",
    ),
    "siting_method": (
        "Method: {objective}. Distances: {mode}. The answer is exact where the solver proves it (HiGHS on the "
        "reduced model, after a greedy and swap start and a Lagrangian bound); the proven gap between the answer "
        "and the best possible is {gap} (status: {status}).",
        "方法:{objective}。距离:{mode}。求解器证明的范围内结果为精确最优(贪心与交换初始解、拉格朗日下界后,以HiGHS求解约简模型);"
        "所给方案与理论最优之间经证明的差距为{gap}(状态:{status})。",
    ),
    "siting_result_coverage": (
        "Residents within the radius: {before} today, {after} with the new sites ({added} more).",
        "半径内居民:现状{before}人,新增选址后{after}人(增加{added}人)。",
    ),
    "siting_result_count": (
        "{k} new site(s) are needed; residents within the radius: {before} today, {after} with them.",
        "需新增{k}处;半径内居民:现状{before}人,新增后{after}人。",
    ),
    "siting_result_distance": (
        "Residents × metres to the nearest facility: {before} today, {after} with the new sites.",
        "居民到最近设施的人·米总和:现状{before},新增选址后{after}。",
    ),
    "f_objective": ("Objective", "目标"),
    "f_new_sites": ("New sites", "新增选址数"),
    "f_value": ("Objective value", "目标值"),
    "f_bound": ("Proven bound", "证明界"),
    "f_gap": ("Proven gap", "证明差距"),
    "f_status": ("Solver status", "求解状态"),
    "f_seconds": ("Solver time (s)", "求解时间(秒)"),
    "f_folder": ("Results folder", "结果文件夹"),
    "objective_coverage": ("maximal covering", "最大覆盖"),
    "objective_count": ("set covering", "集合覆盖"),
    "objective_distance": ("p-median", "P中位"),
    "t_plan_sites": (
        "Proposed sites, in the order they add most (sites.gpkg)",
        "建议选址(按新增覆盖从多到少,sites.gpkg)",
    ),
    "col_candidate": ("Candidate", "备选用地"),
    "m_siting": ("Proposed sites: {type}", "建议选址:{type}"),
    "m_siting_caption": (
        "Stars: the new sites, numbered in the order they add most; dots: the existing facilities of the type.",
        "星号为新增选址,编号为新增覆盖从多到少的顺序;圆点为该类现有设施。",
    ),
    "status_optimal": ("optimal", "最优"),
    "status_feasible": ("feasible (time limit)", "可行解(达到时间上限)"),
    "status_time_limit": ("time limit reached", "达到时间上限"),
    "status_ok": ("ok", "正常"),
    "status_island": ("island (fewer communities than the minimum)", "孤立(社区数少于下限)"),
    "status_nearest_split": ("nearest split (bounds not met)", "最接近的划分(未满足户数范围)"),
    "decay_step": ("none (step)", "无(阶梯)"),
    "decay_gaussian": ("Gaussian", "高斯"),
    "decay_gravity": ("gravity", "重力"),
    # workstations and grids
    "s_regions": ("Community workstations and governance grids", "社区工作站与网格划分"),
    "regions_stations": (
        "{n} community workstations for {communities} communities, each a contiguous group of {lo}–{hi} communities "
        "where the map allows; {islands} group(s) smaller than that are stations of their own. Balance measure: "
        "{balance}. Staff needed in all stations: {staff}.",
        "{communities}个社区划分为{n}个社区工作站,在地图允许时每站为{lo}–{hi}个相邻社区;{islands}个较小的孤立社区组单独设站。"
        "均衡指标:{balance}。各工作站共需工作人员{staff}名。",
    ),
    "regions_grids": (
        "{n} governance grids in {communities} communities. Grid workers needed: {needed}, against {staff} community "
        "workers today; {short} communities have fewer workers than grids.",
        "{communities}个社区共划分{n}个网格,需网格员{needed}名,现有社区工作者{staff}名;{short}个社区工作者少于网格数。",
    ),
    "balance_households": ("households", "户数"),
    "balance_population": ("residents", "常住人口"),
    "balance_workload": ("workload (households plus an area term)", "工作量(户数加面积项)"),
    "t_plan_stations": ("Community workstations (workstations.gpkg)", "社区工作站(workstations.gpkg)"),
    "t_plan_grids": (
        "Grids and grid workers per community (grid_communities.csv)",
        "各社区网格与网格员(grid_communities.csv)",
    ),
    "col_station": ("Station", "工作站"),
    "col_n_communities": ("Communities", "社区数"),
    "col_members": ("Member communities", "所辖社区"),
    "col_staff_needed": ("Staff needed", "所需工作人员"),
    "col_community_staff": ("Community workers today", "现有社区工作者"),
    "col_site_facility": ("Proposed site (facility)", "建议站址(设施)"),
    "col_plan_status": ("Status", "状态"),
    "col_n_grids": ("Grids", "网格数"),
    "col_n_level2": ("Level-2 groups", "二级网格数"),
    "col_grid_workers": ("Grid workers needed", "所需网格员"),
    "col_staff_gap": ("Workers minus grid workers needed", "工作者与所需网格员之差"),
    "m_regions": ("Community workstations and grids", "社区工作站与网格"),
    "m_regions_caption": (
        "Colours: the workstations; thick lines: station borders; thin lines: grids; squares: proposed station sites.",
        "颜色表示工作站;粗线为工作站边界;细线为网格;方块为建议站址。",
    ),
    "lg_station": ("workstation", "社区工作站"),
    "lg_station_site": ("proposed station site", "建议站址"),
    "lg_grid": ("grid border", "网格边界"),
    # access
    "s_access": ("Supply against demand: {type}", "供需比:{type}"),
    "access_method": (
        "Method: {method} (R_j = supply of facility j / residents within {radius} m of it; a community's value is "
        "the population-weighted mean over its cells of the sum of R_j within reach). Supply: {supply}; distance: "
        "{mode}; decay: {decay}. {zero} of {n} communities have no supply within reach.",
        "方法:{method}(R_j为设施j的供给量除以其{radius}米内的居民数;社区值为其单元可达R_j之和的人口加权平均)。"
        "供给:{supply};距离:{mode};距离衰减:{decay}。{n}个社区中有{zero}个在可达范围内没有供给。",
    ),
    "t_plan_access": ("Access per community (access_communities.csv)", "各社区可达供给(access_communities.csv)"),
    "col_access": ("Supply per resident", "人均可达供给"),
    "col_access_100": ("Supply per 100 households", "每百户可达供给"),
    "t_three_lists": ("The community three lists (three_lists.csv)", "社区三张清单(three_lists.csv)"),
    "t_three_lists_note": (
        "Demand list: the group's residents and households; resource list: the facilities within reach and their "
        "supply; service list: supply per 100 households against the standard, and the shortfall.",
        "需求清单:服务对象人口与户数;资源清单:可达设施及其供给;服务清单:每百户供给与标准之比及缺口。",
    ),
    "col_group": ("Group", "服务对象"),
    "col_demand_residents": ("Residents of the group", "服务对象人口"),
    "col_demand_households": ("Households", "户数"),
    "col_in_reach": ("Facilities within reach", "可达设施数"),
    "col_supply": ("Supply within reach", "可达供给"),
    "col_supply_unit": ("Unit", "单位"),
    "col_supply_100": ("Supply per 100 households", "每百户供给"),
    "col_standard_100": ("Standard per 100 households", "每百户标准"),
    "col_shortfall": ("Shortfall", "缺口"),
    "m_access": ("Supply per resident within reach: {type}", "人均可达供给:{type}"),
    "m_access_caption": (
        "Cells coloured by the supply within reach per resident (2SFCA); grey: none within reach.",
        "单元按人均可达供给着色(两步移动搜索法);灰色为可达范围内无供给。",
    ),
    "lg_access_none": ("no supply within reach", "可达范围内无供给"),
    "lg_access": ("supply per resident", "人均可达供给"),
    # life circles
    "s_tiers": ("Life circles (GB 50180-2018)", "生活圈(GB 50180-2018)"),
    "tiers_method": (
        "A cell lies in a complete life circle when the nearest facility of every type of the circle is within the "
        "circle's walking distance for the group the type serves (the elderly and young children walk slower, so "
        "their distance is shorter; {mode}). {complete} of {residents} residents ({share}) live in a complete "
        "{tier}.",
        "某单元各类设施中最近者均位于其服务人群在该生活圈的步行距离内(老年人和幼儿步行较慢,距离较短;{mode}),"
        "即视为处于完整的生活圈内。{residents}名居民中有{complete}人({share})生活在完整的{tier}内。",
    ),
    "t_tiers": ("Life circles of the district (tiers_district.csv)", "全区生活圈完整情况(tiers_district.csv)"),
    "t_tiers_communities": (
        "Life circles per community (tiers_communities.csv)",
        "各社区生活圈完整情况(tiers_communities.csv)",
    ),
    "col_tier": ("Life circle", "生活圈"),
    "col_minutes": ("Minutes on foot", "步行分钟"),
    "col_tier_distance": ("Walking distance (m)", "步行距离(米)"),
    "col_tier_types": ("Services of the circle (distance for their group)", "生活圈设施(服务人群步行距离)"),
    "col_tier_complete": ("Residents in a complete circle", "完整生活圈内居民"),
    "col_tier_share_complete": ("Share of residents", "居民比例"),
    "col_tier_share_types": ("Services within reach", "设施可达比例"),
    "col_tier_complete_of": ("{tier}: complete", "{tier}:完整比例"),
    "col_tier_types_of": ("{tier}: services within reach", "{tier}:设施可达比例"),
    "tier_type_distance": ("{type} ({distance} m)", "{type}({distance}米)"),
    "tier_5-minute": ("5-minute life circle", "五分钟生活圈"),
    "tier_10-minute": ("10-minute life circle", "十分钟生活圈"),
    "tier_15-minute": ("15-minute life circle", "十五分钟生活圈"),
    "sheet_tiers": ("Life circles", "生活圈"),
    "sheet_tiers_communities": ("Life circles by community", "各社区生活圈"),
    "sheet_plan_sites": ("Siting", "选址"),
    "sheet_plan_stations": ("Workstations", "社区工作站"),
    "sheet_plan_grids": ("Grids", "网格"),
    "sheet_plan_access": ("Access", "可达供给"),
    "sheet_three_lists": ("Three lists", "三张清单"),
}
