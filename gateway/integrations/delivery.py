"""The error every outgoing delivery (email, webhook, billing push) raises when it fails: the
outbox worker retries it with backoff unless `permanent` says a retry cannot help."""


class DeliveryError(Exception):
    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
