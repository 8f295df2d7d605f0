"""The webhook's transport: Seerr's webhook POST of the rendered JSON body, with the
Authorization header the admin set. A failure says whether retrying can help (the network,
a 5xx, 408 and 429 can; another 4xx cannot) and names the server by its host alone: the
path (Home Assistant's webhook id), the query, any credentials in the URL and the header
stay out of the log."""

from __future__ import annotations

import email.utils
import math
import time

import httpx

from adapters.http import network_detail, tls_context
from core.agent_messages import AgentMessage
from core.agents import AgentSpec
from core.errors import DeliveryFailed
from core.webhook import InvalidPayload, WebhookSpec, render_body, url_for

# A webhook answers at once (Home Assistant replies before it acts); a dead one must not
# hold the outbox's send for long.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_RETRY_AFTER = 3600.0
_TRANSIENT_4XX = frozenset({408, 429})


def shown(url: str) -> str:
    """``scheme://host[:port]`` of a URL: enough to tell which server, no secret."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "the webhook URL"
    if not parsed.host:
        return "the webhook URL"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks to wait (Retry-After: seconds or an HTTP date), capped."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(MAX_RETRY_AFTER, max(0.0, seconds)) if math.isfinite(seconds) else None


def failure(response: httpx.Response, where: str) -> DeliveryFailed:
    """The DeliveryFailed of a webhook's answer other than 2xx."""
    status = response.status_code
    reason = f"{where} answered HTTP {status}"
    if status >= 500 or status in _TRANSIENT_4XX:
        return DeliveryFailed(reason, retry_after=retry_after(response))
    return DeliveryFailed(reason, permanent=True)


class WebhookTransport:
    """core.agents.AgentTransport for WebhookSpecs: one POST per message."""

    def __init__(
        self,
        *,
        timeout: httpx.Timeout = TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._timeout = timeout
        self._transport = transport

    async def deliver(self, spec: AgentSpec, message: AgentMessage) -> None:
        if not isinstance(spec, WebhookSpec):
            raise DeliveryFailed(f"{spec.name} is no webhook", permanent=True)
        config = spec.config
        try:
            body = render_body(config.json_payload, message)
        except InvalidPayload as exc:
            raise DeliveryFailed(str(exc), permanent=True) from None
        url = url_for(config, message)
        where = shown(url)
        headers = {"User-Agent": "requestbot"}
        if config.auth_header:
            headers["Authorization"] = config.auth_header
        # A client per message: webhooks are a few a day, and a client kept open would
        # hold a connection pool nobody closes.
        async with httpx.AsyncClient(
            timeout=self._timeout,
            verify=tls_context(),
            transport=self._transport,
            follow_redirects=True,
        ) as client:
            try:
                response = await client.post(url, json=body, headers=headers)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                raise DeliveryFailed(f"{where} is not an http(s) URL", permanent=True) from None
            except httpx.TimeoutException:
                raise DeliveryFailed(f"{where} did not answer in time") from None
            except httpx.HTTPError as exc:
                raise DeliveryFailed(f"{where}: {network_detail(exc)}") from None
        if not response.is_success:
            raise failure(response, where)
