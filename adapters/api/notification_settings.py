"""GET/POST /settings/notifications/webhook and POST .../webhook/test (admin): Seerr's
webhook agent settings, as Home Assistant's Overseerr integration registers its webhook
through them.

Seerr's shapes: ``jsonPayload`` is posted as a JSON string of the template's JSON text,
and GET shows it decoded once (HA compares it to ``json.loads`` of what it posts). A
webhook set in requestbot's settings is shown and cannot be changed here.
"""

from __future__ import annotations

import base64
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from adapters.api.auth import ApiState, admin_user, api_state
from adapters.api.errors import ApiError, message
from core import webhook
from core.agent_messages import check_message
from core.agents import AgentTransport
from core.errors import DeliveryFailed
from core.identity import User
from core.notification_types import NotificationType
from core.webhook import InvalidPayload, WebhookConfig, WebhookSpec

log = logging.getLogger(__name__)

State = Annotated[ApiState, Depends(api_state)]
Admin = Annotated[User, Depends(admin_user)]
PATH = "/settings/notifications/webhook"
SET_IN_SETTINGS = (
    "The webhook is set in requestbot's settings (WEBHOOK_URL); change it there, "
    "or remove WEBHOOK_URL to set it here."
)
SEND_FAILED = "Failed to send webhook notification."
HIDDEN = "********"  # an Authorization header from the settings, never shown


class WebhookOptionsIn(BaseModel):
    webhookUrl: str = ""
    jsonPayload: str
    authHeader: str | None = None
    supportVariables: bool | None = None


class WebhookIn(BaseModel):
    """A webhook as Seerr's settings page (or Home Assistant) posts it."""

    enabled: bool = False
    embedPoster: bool = True
    types: int = Field(default=0, ge=0, le=2**31 - 1)
    options: WebhookOptionsIn

    def config(self) -> WebhookConfig:
        options = self.options
        return WebhookConfig(
            enabled=self.enabled,
            types=self.types,
            webhook_url=options.webhookUrl,
            json_payload=options.jsonPayload,
            auth_header=options.authHeader or "",
            support_variables=bool(options.supportVariables),
            embed_poster=self.embedPoster,
        )


class WebhookOptionsOut(BaseModel):
    webhookUrl: str
    jsonPayload: str
    authHeader: str
    supportVariables: bool


class WebhookOut(BaseModel):
    enabled: bool
    embedPoster: bool
    types: int
    options: WebhookOptionsOut

    @classmethod
    def of(cls, config: WebhookConfig, payload: str, auth_header: str) -> WebhookOut:
        return cls(
            enabled=config.enabled,
            embedPoster=config.embed_poster,
            types=config.types,
            options=WebhookOptionsOut(
                webhookUrl=config.webhook_url,
                jsonPayload=payload,
                authHeader=auth_header,
                supportVariables=config.support_variables,
            ),
        )


def _invalid(exc: InvalidPayload) -> ApiError:
    return message(400, f"{exc}.", "options.jsonPayload")


def router(transport: AgentTransport, fixed: WebhookConfig | None = None) -> APIRouter:
    """The webhook's settings routes, sending tests through ``transport``; ``fixed`` is the
    webhook set in requestbot's settings (None: it is set here and kept in the database)."""
    api = APIRouter(tags=["settings"])

    @api.get(PATH, response_model=WebhookOut)
    async def get_webhook(state: State, admin: Admin) -> WebhookOut:
        """The webhook's settings, jsonPayload decoded once (Seerr's defaults until set)."""
        if fixed is not None:
            return WebhookOut.of(fixed, fixed.template, HIDDEN if fixed.auth_header else "")
        async with state.services.uow(write=False) as uow:
            config = await webhook.load(uow)
        try:
            shown = config.template
        except InvalidPayload:  # kept before the check existed: show it as it was posted
            shown = config.json_payload
        return WebhookOut.of(config, shown, config.auth_header)

    @api.post(PATH, response_model=WebhookOut)
    async def set_webhook(state: State, admin: Admin, body: WebhookIn) -> WebhookOut:
        """Keep the webhook; the answer shows it as stored (jsonPayload in base64, as
        Seerr's does)."""
        if fixed is not None:
            # 409, not 403: Home Assistant's client reads a 403 as a wrong key and its
            # integration then fails to start; any other error it logs as "failed to
            # register" and carries on.
            raise message(409, SET_IN_SETTINGS)
        config = body.config()
        services = state.services
        try:
            async with services.uow() as uow:
                await webhook.save(uow, config, services.clock.now())
                await uow.commit()
        except InvalidPayload as exc:
            raise _invalid(exc) from None
        log.info("API: %s set the webhook (%s)", admin.display_name, _described(config))
        stored = base64.b64encode(config.json_payload.encode()).decode()
        return WebhookOut.of(config, stored, config.auth_header)

    @api.post(f"{PATH}/test", status_code=204)
    async def test_webhook(admin: Admin, body: WebhookIn) -> Response:
        """Send Seerr's test notification to the webhook the body describes (saved or not,
        enabled or not): 204 once it answered 2xx, else 500 (the reason is logged)."""
        config = body.config()
        try:
            webhook.check(config.json_payload)
        except InvalidPayload as exc:
            raise _invalid(exc) from None
        spec = WebhookSpec(webhook.NAME, types=NotificationType(config.types), config=config)
        try:
            await transport.deliver(spec, check_message(admin))
        except DeliveryFailed as exc:
            log.warning("API: the webhook test failed: %s", exc.reason)
            raise ApiError(500, {"message": SEND_FAILED}) from None
        return Response(status_code=204)

    return api


def _described(config: WebhookConfig) -> str:
    """How the log shows a webhook: on or off, its events; never its URL or header."""
    state = "on" if config.enabled and config.webhook_url else "off"
    return f"{state}, types {config.types}"
