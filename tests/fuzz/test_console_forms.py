"""Any body posted to the console's sign-in forms (which anyone can reach) is answered with a
page, never a 5xx, and a refused one writes nothing."""

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.budget import fuzz
from tests.fuzz.conftest import Target
from tests.fuzz.strategies import any_text, raw_bodies

form_types = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "text/plain",
    ]
)


@fuzz
@given(
    body=raw_bodies | any_text.map(lambda email: f"email={email}".encode()),
    content_type=form_types,
    path=st.sampled_from(["/console/login", "/console/login/not-a-link"]),
)
def test_any_sign_in_form_body_is_answered_with_a_page(
    target: Target, body: bytes, content_type: str, path: str
) -> None:
    answer = target.refused_leaves_no_trace(
        lambda: target.gateway.request(
            "POST", path, headers={"Content-Type": content_type}, body=body
        )
    )
    assert answer.content_type == "text/html", answer
