"""The I/O shell of lag monitoring: read end and committed offsets, feed `model.observe`.

Each round reads, for every watched group, the committed offsets of every partition of every
topic (OffsetFetch with the partitions named: Tansu 0.6 cannot answer the "all partitions" form
of KIP-88, naming them works on every broker; partitions the group never committed are left
out), the groups' members and assignments (DescribeGroups), then the end offsets of the
partitions that have a committed offset (ListOffsets), and stamps the round with the clock.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from streams.kafka import client_options, log_end_offsets
from workers.lag.model import LagReport, LagState, Snapshot, observe
from workers.settings import KafkaSettings, LagSettings

log = logging.getLogger(__name__)


def owners_from_description(groups: Sequence[Any]) -> dict[str, dict[tuple[str, int], str]]:
    """Per group, the partitions in a live member's assignment and who holds them ("client-id@host").

    `groups` are DescribeGroups answers' group entries: (error_code, group, state, protocol_type,
    protocol, members), each member ending with (client_id, client_host, metadata, assignment).
    Assignments that are empty (Tansu sends none) or not the consumer protocol's give no owner.
    """
    owners: dict[str, dict[tuple[str, int], str]] = {}
    for entry in groups:
        error_code, group, _state, protocol_type, _protocol, members = entry[:6]
        held = owners.setdefault(group, {})
        if error_code or protocol_type != "consumer":
            continue
        for member in members:
            member_id, (client_id, host, _metadata, assignment) = member[0], member[-4:]
            if not assignment:
                continue
            try:
                decoded = ConsumerProtocolMemberAssignment.decode(assignment)
            except Exception:
                log.debug("undecodable assignment", extra={"group": group, "member": member_id})
                continue
            who = f"{client_id or member_id}@{host.lstrip('/')}" if host else (client_id or member_id)
            for topic, partitions in decoded.assignment:
                for partition in partitions:
                    held[(topic, partition)] = who
    return owners


class LagCollector:
    """Samples the watched groups' lag; `sample()` is one round, `run()` one every interval."""

    def __init__(
        self,
        kafka: KafkaSettings,
        settings: LagSettings,
        groups: Sequence[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.kafka = kafka
        self.settings = settings
        self.groups = tuple(dict.fromkeys(groups))
        self.clock = clock
        self.state = LagState()
        self.admin: AIOKafkaAdminClient | None = None
        self.consumer: AIOKafkaConsumer | None = None

    async def start(self) -> "LagCollector":
        timeout_ms = max(5000, int(self.settings.interval_s * 2000))
        self.admin = AIOKafkaAdminClient(**client_options(self.kafka), request_timeout_ms=timeout_ms)
        self.consumer = AIOKafkaConsumer(
            **client_options(self.kafka), enable_auto_commit=False, request_timeout_ms=timeout_ms
        )
        await self.admin.start()
        await self.consumer.start()
        return self

    async def stop(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
        if self.admin is not None:
            await self.admin.close()

    async def __aenter__(self) -> "LagCollector":
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def partitions(self) -> list[TopicPartition]:
        """Every partition of every topic but the broker's internal ones."""
        assert self.admin is not None, "start() first"
        return [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in sorted(await self.admin.describe_topics(), key=lambda t: t["topic"])
            if not topic["topic"].startswith("__") and not topic.get("is_internal")
            for partition in sorted(topic["partitions"], key=lambda p: p["partition"])
        ]

    async def owners(self) -> dict[str, dict[tuple[str, int], str]]:
        assert self.admin is not None, "start() first"
        try:
            answers = await self.admin.describe_consumer_groups(list(self.groups))
        except Exception as error:  # ownership only refines STOP into STALL; lag does not need it
            log.warning("describe groups failed", extra={"error": repr(error)})
            return {}
        return owners_from_description([entry for answer in answers for entry in answer.groups])

    async def read(self) -> Snapshot:
        """One round of reads from the cluster."""
        assert self.admin is not None and self.consumer is not None, "start() first"
        partitions = await self.partitions()
        committed: dict[str, dict[tuple[str, int], int]] = {}
        for group in self.groups:
            offsets = await self.admin.list_consumer_group_offsets(group, partitions=partitions) if partitions else {}
            committed[group] = {
                (tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if meta.offset >= 0
            }
        owners = await self.owners()
        wanted = sorted({tp for offsets in committed.values() for tp in offsets})
        ends = await log_end_offsets(self.consumer, [TopicPartition(*tp) for tp in wanted]) if wanted else {}
        return Snapshot(
            at=self.clock(),
            ends={(tp.topic, tp.partition): end for tp, end in ends.items()},
            committed=committed,
            owners=owners,
        )

    async def sample(self) -> LagReport:
        snapshot = await self.read()
        self.state, report = observe(
            self.state,
            snapshot,
            window=self.settings.window,
            table_size=self.settings.table_size,
            allowed_lag=self.settings.allowed_lag_offsets,
        )
        return report

    async def run(
        self,
        on_report: Callable[[LagReport], Awaitable[None] | None],
        on_error: Callable[[Exception], None] | None = None,
        rounds: int | None = None,
    ) -> None:
        """Sample every `interval_s` (on a fixed beat) and hand each report to `on_report`.

        A failed round is logged (and given to `on_error`) and skipped: the next round samples again.
        """
        loop = asyncio.get_running_loop()
        beat = loop.time()
        done = 0
        while rounds is None or done < rounds:
            try:
                report = await self.sample()
            except Exception as error:
                log.warning("lag sample failed", extra={"error": repr(error)})
                if on_error is not None:
                    on_error(error)
            else:
                result = on_report(report)
                if result is not None:
                    await result
            done += 1
            if rounds is not None and done >= rounds:
                return
            beat = max(beat + self.settings.interval_s, loop.time())  # a slow round delays, never bunches
            await asyncio.sleep(beat - loop.time())
