"""Stripe, the one billing adapter: everything the gateway does with Stripe lives here.

- `client.py` (+ `mapping.py`): `StripeBilling`, the SDK adapter behind `seats.billing.BillingPort`;
- `signatures.py`: webhook signature verification;
- `settings.py`: the `BILLING` and `BILLING_OPTIONS` keys, the port built from the settings;
- `wiring.py`: `install_billing(app)` (webhook route, lifecycle, outbox handlers);
- `webhook.py`, `admin_routes.py`, `org_hooks.py`: HTTP that parses, calls one
  `seats.billing` use case and renders; `errors.py` renders billing failures;
- `outbox_handlers.py`: the `billing_push` and `billing_attach` jobs;
- `commands.py`: `seatgate billing reconcile`.

The rules and use cases are in seats/billing/; the modules import one another in that order
(settings first, wiring last), so the package has no import cycle. See docs/billing.md.
"""
