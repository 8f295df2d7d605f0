"""The notification agents set in the settings (NOTIFY_<KEY>_*), built and registered with
the outbox, with a digest job for each agent that takes one."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.clock import SystemClock
from adapters.text import describe_error
from bot.agent_settings import AgentSettings
from bot.settings import Settings
from core import webhook
from core.agents import (
    FIRST_PAUSE,
    AgentNotifier,
    Agents,
    AgentSpec,
    Messages,
    Pause,
    agent_name,
    fixed,
    outcome_lines,
    send_digest,
)
from core.errors import NotFound
from core.jobs import Job
from core.ports import Clock, UnitOfWorkFactory
from storage import SqlUnitOfWorkFactory, create_engine, upgrade

DIGEST_JOB = "digest for {}"  # a digest job's name (its key in the stored job states)


def spec_of(agent: AgentSettings) -> AgentSpec:
    return AgentSpec(
        name=agent.name,
        types=agent.types,
        title=agent.title,
        body=agent.body,
        digest_minutes=agent.digest_minutes,
    )


def apprise_agents(
    settings: Sequence[AgentSettings], messages: Messages, first_pause: float = FIRST_PAUSE
) -> list[AgentNotifier]:
    """An AgentNotifier per agent set in the settings (Apprise is loaded only if any),
    sharing ``messages``."""
    if not settings:
        return []
    from adapters.notify.apprise import AppriseTransport

    return [
        AgentNotifier(
            agent_name(agent.name),
            fixed(spec_of(agent)),
            AppriseTransport(agent.url.get_secret_value()),
            messages,
            Pause(first_pause),
        )
        for agent in settings
    ]


def digest_job_names(settings: Sequence[AgentSettings]) -> list[str]:
    return [DIGEST_JOB.format(a.name) for a in settings if a.digest_minutes > 0]


async def digest_jobs(agents: Agents, uow: UnitOfWorkFactory, clock: Clock) -> list[Job]:
    """A job per agent that takes a digest, every its minutes."""
    jobs = []
    for agent in agents:
        spec = await agent.spec()
        if spec is None or spec.digest_minutes <= 0:
            continue

        async def run(agent: AgentNotifier = agent) -> str:
            return await send_digest(agent, uow, clock)

        jobs.append(Job(DIGEST_JOB.format(spec.name), spec.digest_minutes * 60.0, run))
    return jobs


def build_agents(
    settings: Settings, uow: UnitOfWorkFactory, first_pause: float = FIRST_PAUSE
) -> Agents:
    """Every agent the settings call for; one that failed is left alone for ``first_pause``
    seconds (the outbox's first retry delay), doubling."""
    messages = Messages(uow)
    return Agents(apprise_agents(settings.agents, messages, first_pause), messages)


def stored_or_set_webhook(settings: Settings, uow: UnitOfWorkFactory) -> AgentNotifier:
    """The webhook agent as `run` has it: set in the settings, else through the API."""
    from adapters.notify.webhook import WebhookTransport
    from bot.webhook import webhook_config

    source = webhook.spec_source(webhook_config(settings.webhook), uow)
    return AgentNotifier(agent_name(webhook.NAME), source, WebhookTransport(), Messages(uow))


async def notify_test(settings: Settings, name: str | None) -> int:
    """``requestbot notify-test [AGENT]``: a test notification through each agent (or the
    one named), a line each on whether it went out; exit 1 if any did not."""
    url = settings.general.database_url
    await upgrade(url)  # a webhook set through the API is kept there
    engine = create_engine(url)
    try:
        uow = SqlUnitOfWorkFactory(engine)
        agents = build_agents(settings, uow)
        hook = stored_or_set_webhook(settings, uow)
        if await hook.spec() is not None:
            agents.add(hook)
        try:
            outcomes = await agents.test(name)
        except NotFound as exc:
            print(f"requestbot notify-test: {describe_error(exc, SystemClock().now())}")
            return 2
    finally:
        await engine.dispose()
    for line in outcome_lines(outcomes):
        print(line)
    return 0 if all(o.sent for o in outcomes) else 1
