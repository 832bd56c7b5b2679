"""App: the map app's logic, with no Streamlit import (app.py and ui/ are the Streamlit shell).

``dashboard`` (KPIs, tables), ``maps``/``maps_js``/``maps_style`` (the folium map and its
styles), ``catchments`` (service areas), ``whatif`` (clicks and edit labels), ``uploads``
(checked uploads), ``assets`` (offline Leaflet), ``server`` (``planner app``'s Streamlit child).
"""
