from hypothesis import HealthCheck, settings

# No deadline: a slow CI machine must not turn a correct property into a failure.
settings.register_profile(
    "unit",
    deadline=None,
    max_examples=500,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("unit")
