"""The suite's fixed example budget: derandomized, so CI draws the same examples every run.

`EXAMPLES` per test and engine keeps the suite within about 90 s on both engines together on a
2-core machine shared with other work (README, "Set-up"). No example database: the fixed seed
reproduces a failure, and each failure found became a regular test next to the code it hit.
"""

from hypothesis import HealthCheck, settings

EXAMPLES = 35

fuzz = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=False,
    # One live gateway per test serves every example: that is what the fixture is for.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
