"""Bulk export types: BulkExport, its connection, the start and cancel inputs and results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from backend.config import Settings
from backend.db import models
from backend.domain.bulk_exports import exports
from backend.schema.common import InvalidInput, Node, NotFound, UserError, to_global_id
from backend.schema.licenses import PageInfo

BulkExportStatus = strawberry.enum(
    models.BulkExportStatus,
    name="BulkExportStatus",
    description="CREATED (queued), RUNNING, COMPLETED (url to download), FAILED (errorMessage), "
    "CANCELED, EXPIRED (file deleted seven days after completion).",
)


@strawberry.type(
    name="BulkExport",
    description="A query run over every page in the background, written as JSONL: one object per "
    "node; nested connection nodes on lines of their own with __parentId.",
)
class BulkExportType(Node):
    id: strawberry.ID
    status: BulkExportStatus  # type: ignore[valid-type]
    object_count: int = strawberry.field(description="Lines written so far (nodes and nested nodes).")
    error_message: str | None
    url: str | None = strawberry.field(
        description="The signed download link of a COMPLETED export (relative to the portal), valid "
        "until expiresAt; no sign-in needed, so keep it to yourself."
    )
    expires_at: datetime | None
    created_at: datetime
    completed_at: datetime | None
    query: str

    @classmethod
    def from_model(cls, row: models.BulkExport, settings: Settings) -> BulkExportType:
        return cls(
            id=to_global_id("BulkExport", row.id),
            status=row.status,
            object_count=row.object_count,
            error_message=row.error_message,
            url=exports.download_url(settings, row),
            expires_at=row.expires_at,
            created_at=row.created_at,
            completed_at=row.completed_at,
            query=row.query,
        )


@strawberry.type(name="BulkExportEdge")
class BulkExportEdge:
    node: BulkExportType
    cursor: str


@strawberry.type(name="BulkExportConnection")
class BulkExportConnection:
    edges: list[BulkExportEdge]
    page_info: PageInfo

    @classmethod
    def from_page(
        cls, page: exports.ExportPage, settings: Settings, after: str | None
    ) -> BulkExportConnection:
        edges = [
            BulkExportEdge(node=BulkExportType.from_model(r, settings), cursor=exports.cursor_of(r))
            for r in page.rows
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


@strawberry.input(name="BulkExportStartInput")
class BulkExportStartInput:
    query: str = strawberry.field(
        description="One query with one top-level connection field (e.g. licenses(accountId: …) { "
        "edges { node { … } } }); connections may nest one level down. Paging arguments are ours."
    )


@strawberry.type(name="BulkExportStartSuccess")
class BulkExportStartSuccess:
    bulk_export: BulkExportType


@strawberry.type(
    name="BulkExportRunning",
    description="BULK_EXPORT_RUNNING: one export runs per user; runningExport is the one running.",
)
class BulkExportRunning(UserError):
    running_export: BulkExportType


BulkExportStartResult = Annotated[
    BulkExportStartSuccess | InvalidInput | BulkExportRunning, strawberry.union("BulkExportStartResult")
]


@strawberry.input(name="BulkExportCancelInput")
class BulkExportCancelInput:
    id: strawberry.ID


@strawberry.type(name="BulkExportCancelSuccess")
class BulkExportCancelSuccess:
    bulk_export: BulkExportType


@strawberry.type(
    name="BulkExportNotCancelable", description="NOT_CANCELABLE: the export has finished already."
)
class BulkExportNotCancelable(UserError):
    pass


BulkExportCancelResult = Annotated[
    BulkExportCancelSuccess | NotFound | BulkExportNotCancelable, strawberry.union("BulkExportCancelResult")
]
