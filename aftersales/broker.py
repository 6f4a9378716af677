"""The embedded broker: kombu's filesystem transport, made safe across processes.

kombu's stock transport creates a message file in the queue folder and then writes it, so a worker
listing the folder in between claims an empty or half-written file and dies with JSONDecodeError.
Here every message is written to a temporary file in a sibling folder (same filesystem) and renamed
into the queue folder, which is atomic: a file in the queue folder is always complete. A file that
still does not parse (written by something else) is left alone while it is young and then moved to a
quarantine folder with a log line, never delivered and never fatal. The exchange tables in the control
folder are replaced the same way, under a lock file, so a fanout never reads a half-written table.

Registered as the ``atomicfs://`` transport by ``register()`` (called from aftersales/celery.py).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
import uuid
from pathlib import Path
from queue import Empty

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

logger = logging.getLogger(__name__)

ALIAS = "atomicfs"
# A file that does not parse is given this long to be completed by whoever writes it before quarantine.
UNREADABLE_GRACE_SECONDS = 10.0


def register() -> None:
    """Make ``atomicfs://`` resolve to this transport (kombu looks URL schemes up in TRANSPORT_ALIASES)."""
    TRANSPORT_ALIASES.setdefault(ALIAS, "aftersales.broker:Transport")


def write_atomically(path: Path | str, data: bytes, *, tmp_folder: Path | str) -> None:
    """Write `data` to a temporary file in `tmp_folder`, then rename it to `path` (readers see all or nothing)."""
    tmp = os.path.join(tmp_folder, f"{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


class Channel(filesystem.Channel):
    """Filesystem channel with atomic writes and a reader that never fails on a bad file."""

    @cached_property
    def tmp_folder(self) -> str:
        default = os.path.join(os.path.dirname(os.path.abspath(self.data_folder_out)), "tmp")
        folder = self.transport_options.get("tmp_folder", default)
        os.makedirs(folder, exist_ok=True)
        return folder

    @cached_property
    def quarantine_folder(self) -> str:
        default = os.path.join(os.path.dirname(os.path.abspath(self.data_folder_in)), "quarantine")
        folder = self.transport_options.get("quarantine_folder", default)
        os.makedirs(folder, exist_ok=True)
        return folder

    @cached_property
    def unreadable_grace_seconds(self) -> float:
        return float(self.transport_options.get("unreadable_grace_seconds", UNREADABLE_GRACE_SECONDS))

    # ---- messages ---------------------------------------------------------------------------------

    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: written elsewhere, then renamed into the queue folder."""
        # Zero-padded wall-clock nanoseconds keep the stock "oldest name first" order across processes.
        filename = os.path.join(self.data_folder_out, f"{time.time_ns():020d}_{uuid.uuid4().hex}.{queue}.msg")
        try:
            write_atomically(filename, str_to_bytes(dumps(payload)), tmp_folder=self.tmp_folder)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {filename!r} to directory") from exc

    def _get(self, queue):
        """Claim the oldest complete message of `queue`; skip (then quarantine) files that do not parse."""
        queue_find = f"{queue}.msg"
        for filename in sorted(os.listdir(self.data_folder_in)):
            if filename.partition(".")[2] != queue_find:
                continue
            path = os.path.join(self.data_folder_in, filename)
            try:
                with open(path, "rb") as handle:
                    raw = handle.read()
                payload = loads(bytes_to_str(raw))
            except FileNotFoundError:
                continue  # another consumer claimed it
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                self._set_aside(path, filename, exc)
                continue
            claimed = os.path.join(self.processed_folder, f"{filename}.{os.getpid()}")
            try:
                os.rename(path, claimed)  # atomic: exactly one consumer wins the file
            except OSError:
                continue
            if not self.store_processed:
                try:
                    os.remove(claimed)
                except OSError:
                    pass
            return payload
        raise Empty()

    def _set_aside(self, path: str, filename: str, exc: Exception) -> None:
        """Leave an unreadable file alone while it is young; afterwards move it to quarantine."""
        try:
            age = time.time() - os.stat(path).st_mtime
        except OSError:
            return
        if age < self.unreadable_grace_seconds:
            return
        try:
            os.rename(path, os.path.join(self.quarantine_folder, filename))
        except OSError:
            return
        logger.error(
            "broker: quarantined unreadable message %s (%s) in %s",
            filename,
            exc.__class__.__name__,
            self.quarantine_folder,
        )

    # ---- exchange tables (fanout bindings) --------------------------------------------------------

    def _table_lock(self, exchange):
        self.control_folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.control_folder / f".{exchange}.lock", "ab")
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        return handle

    def _read_table(self, file: Path) -> list:
        try:
            return [filesystem.exchange_queue_t(*q) for q in loads(bytes_to_str(file.read_bytes()))]
        except FileNotFoundError:
            return []
        except (ValueError, TypeError) as exc:
            logger.error("broker: unreadable exchange table %s (%s), treated as empty", file, exc.__class__.__name__)
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc

    def get_table(self, exchange):
        return self._read_table(self._exchange_file(exchange))

    def _update_table(self, exchange, change) -> None:
        file = self._exchange_file(exchange)
        with self._table_lock(exchange):
            queues = self._read_table(file)
            updated = change(list(queues))
            if updated != queues:
                write_atomically(file, str_to_bytes(json.dumps(updated)), tmp_folder=self.tmp_folder)

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        value = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._update_table(exchange, lambda queues: queues if value in queues else [value, *queues])

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        value = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._update_table(exchange, lambda queues: [q for q in queues if q != value])


class Transport(filesystem.Transport):
    """kombu's filesystem transport with the atomic channel."""

    Channel = Channel
    global_state = virtual.BrokerState()
    driver_type = ALIAS
    driver_name = ALIAS
