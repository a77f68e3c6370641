import os

from hypothesis import HealthCheck, settings

# Property tests stay quick: the whole suite has a ~90 s budget on 2 cores.
settings.register_profile(
    "course", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "course"))
