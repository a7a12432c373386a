"""Month-end cost forecast per cost center: statsmodels ETS with weekly seasonality, simulated paths.

``model`` forecasts one daily series; ``writer`` reads ``int_forecast_daily_series`` and replaces
``raw.forecast_cost_*``; ``alerts`` tells each budget owner; ``backtest`` measures accuracy.
"""
