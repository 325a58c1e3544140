"""The kernel's ARP table, mirrored: which MAC the kernel would send each on-link address to.

Why: a reply to a phone leaves as an Ethernet frame (sender.py) and goes to the MAC the
kernel knows for the phone's address, which is the phone's real one even behind a bridge that
rewrites source MACs. Asking the kernel per reply (a SIOCGARP ioctl) costs a system call on
the path every phone's answer takes; the table changes far less often than replies are sent.

Strategy: one netlink socket subscribed to RTMGRP_NEIGH, read by the event loop, applies every
change to one dict per interface index; a dump fills them at start, and again when the kernel
says notifications were lost (ENOBUFS). Only entries in a NUD_VALID state with a 6-byte MAC are
kept, the ones the kernel itself would send to without asking ARP. Size: at most what the
kernel's table holds (net.ipv4.neigh.*.gc_thresh3). The dicts are shared with the senders and
changed in place, so a sender needs no update when the table changes.
"""

import asyncio
import contextlib
import errno
import socket

import structlog

from .netlink import Neighbour, list_neighbours, open_neighbour_watch, parse_neighbour_messages

log = structlog.get_logger("ucdhcp")
READS_PER_WAKE = 64  # bounded: a burst of changes cannot hold the loop; the rest come next turn


class Neighbours:
    """address (4 bytes) -> MAC (6 bytes), one dict per interface index."""

    def __init__(self) -> None:
        self.by_index: dict[int, dict[bytes, bytes]] = {}
        self._watch: socket.socket | None = None
        self.started = False
        self.resyncs = 0

    def on(self, index: int) -> dict[bytes, bytes]:
        """The (live) table of the interface with `index`."""
        return self.by_index.setdefault(index, {})

    def start(self) -> bool:
        """Subscribe, then dump (a change between the two is then not lost). False, with the
        tables left empty, when netlink is not available: senders then use chaddr."""
        self.started = True
        try:
            self._watch = open_neighbour_watch()
            asyncio.get_running_loop().add_reader(self._watch, self._on_readable)
            self.resync()
        except OSError as error:
            log.warning("neighbours_unavailable", error=str(error))
            self.close()
            return False
        return True

    def resync(self) -> None:
        """Replace every table's contents by a fresh dump (in place: senders keep theirs).

        Raises:
            OSError: netlink is not available.
        """
        fresh: dict[int, dict[bytes, bytes]] = {}
        for index, address, mac in list_neighbours():
            if mac is not None:
                fresh.setdefault(index, {})[address] = mac
        for index, table in self.by_index.items():
            table.clear()
            table.update(fresh.pop(index, {}))
        self.by_index.update(fresh)

    def apply(self, changes: list[Neighbour]) -> None:
        for index, address, mac in changes:
            if mac is None:
                table = self.by_index.get(index)
                if table is not None:
                    table.pop(address, None)
            else:
                self.on(index)[address] = mac

    def _on_readable(self) -> None:
        watch = self._watch
        assert watch is not None
        changes: list[Neighbour] = []
        for _ in range(READS_PER_WAKE):
            try:
                data = watch.recv(65536)
            except BlockingIOError:
                break
            except OSError as error:
                if error.errno != errno.ENOBUFS:
                    log.warning("neighbours_read_failed", error=str(error))
                    break
                # The kernel dropped notifications: the mirror may be wrong, so start over.
                self._resync_after_loss()
                return
            try:
                parse_neighbour_messages(data, changes)
            except OSError as error:
                log.warning("neighbours_read_failed", error=str(error))
        self.apply(changes)

    def _resync_after_loss(self) -> None:
        self.resyncs += 1
        try:
            self.resync()
        except OSError as error:
            log.warning("neighbours_read_failed", error=str(error))

    def close(self) -> None:
        if self._watch is not None:
            with contextlib.suppress(RuntimeError):  # no running loop: no reader was added
                asyncio.get_running_loop().remove_reader(self._watch)
            self._watch.close()
            self._watch = None
