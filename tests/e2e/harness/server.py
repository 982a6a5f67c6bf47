# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""A LwM2M server on aiocoap: the registration interface (register, update, de-register)
and the device management interface (read, write, execute, create, delete, observe), over
plain CoAP (NoSec), over DTLS 1.2 with pre-shared keys (aiocoap's tinydtls server
transport on DTLSSocket: TLS_PSK_WITH_AES_128_CCM_8), or over DTLS 1.2 with X.509
certificates (x509.CertFront on Mbed TLS in front of the plain server on loopback).

It runs its asyncio loop in a thread of its own, so tests and the demo call it as plain
functions. Every device management call goes to the registered client's address from
the server's own socket, as a LwM2M server's requests must (Zephyr's client only hears
its server's address). Block-wise writes (RFC 7959 Block1) are sent block by block by
this module, so a test chooses whether and how a value is split.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field

import aiocoap
import aiocoap.resource
from aiocoap import Code
from aiocoap.optiontypes import BlockOption

from . import codec


@dataclass
class Registration:
    endpoint: str
    lifetime: int
    binding: str
    version: str
    links: list[str]
    location: str
    remote: object
    # Who the DTLS session authenticated: ":<PSK identity>" (aiocoap's claims) or
    # "CN=<endpoint>" (the client's certificate); empty over NoSec.
    claims: tuple = ()
    updates: int = 0
    at: float = field(default_factory=time.monotonic)
    # Queue mode: binding UQ (LwM2M 1.0) or the Q parameter (1.1).
    queue: bool = False
    # When the client last sent something (a registration, an update, a response): a
    # client in queue mode listens for a while after that.
    heard: float = field(default_factory=time.monotonic)


@dataclass
class Response:
    code: Code
    content_format: int | None
    payload: bytes
    blocks: int = 1

    @property
    def ok(self) -> bool:
        return self.code.is_successful()

    def text(self) -> str:
        return self.payload.decode()


class Observation:
    """Notifications of one observe, in arrival order."""

    def __init__(self, server: "Lwm2mServer", path: str):
        self.server = server
        self.path = path
        self.first: Response | None = None
        self.notifications: list[Response] = []
        self._cond = threading.Condition()
        self._handle = None

    def _add(self, r: Response):
        with self._cond:
            self.notifications.append(r)
            self._cond.notify_all()

    def wait(self, pred, timeout: float) -> Response:
        """The first notification (in order) for which pred(response) holds."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for r in self.notifications[seen:]:
                    if pred(r):
                        return r
                seen = len(self.notifications)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"no matching notification of {self.path} within {timeout} s "
                        f"(got {[n.payload for n in self.notifications]})"
                    )
                self._cond.wait(left)

    def cancel(self):
        if self._handle is not None:
            self.server._call(self._cancel())

    async def _cancel(self):
        self._handle.observation.cancel()


class _RegistrationInterface(aiocoap.resource.Resource, aiocoap.resource.PathCapable):
    """The server's whole site: /rd (register), /rd/<location> (update, de-register), and
    for a bootstrap server /bs (Bootstrap-Request)."""

    def __init__(self, server: "Lwm2mServer"):
        super().__init__()
        self.server = server

    async def render(self, request):
        s = self.server
        path = request.opt.uri_path
        if path == ("bs",) and request.code == Code.POST and s.provision is not None:
            return s._bootstrap_request(request)
        if not path or path[0] != "rd":
            return aiocoap.Message(code=Code.NOT_FOUND)
        path = path[1:]
        if request.code == Code.POST and not path:
            return s._register(request)
        if request.code == Code.POST and len(path) == 1:
            return s._update(path[0], request)
        if request.code == Code.DELETE and len(path) == 1:
            return s._deregister(path[0])
        return aiocoap.Message(code=Code.METHOD_NOT_ALLOWED)


def _dtls_server_sends_requests():
    """aiocoap's tinydtls server transport answers requests but does not recognise its own
    sessions as the remote of a request the server sends (its recognize_remote checks for
    plain UDP addresses only), so a server could not read or write a client it had just
    registered. A LwM2M server must: recognise the transport's own DTLS sessions, which
    then carry the request inside the session the client opened."""
    from aiocoap.transports import tinydtls_server as ts

    async def recognize_remote(self, remote):
        return isinstance(remote, ts._AddressDTLS) and remote._protocol is self._pool

    ts.MessageInterfaceTinyDTLSServer.recognize_remote = recognize_remote


class PskStore:
    """The DTLS server's pre-shared keys by identity, as aiocoap's tinydtls server asks for
    them (find_dtls_psk). A test changes .keys while the server runs. Every lookup is
    recorded with its time: the DTLS stack looks the key up once or twice per handshake
    that gets as far as the client's key exchange, so .lookups shows each attempt."""

    def __init__(self, keys: dict[bytes, bytes]):
        self.keys = dict(keys)
        self.lookups: list[tuple[float, bytes]] = []

    def find_dtls_psk(self, identity: bytes):
        self.lookups.append((time.monotonic(), bytes(identity)))
        key = self.keys.get(bytes(identity))
        if key is None:
            raise KeyError(identity)
        # The claim aiocoap attaches to every request of this session.
        return key, ":" + bytes(identity).decode(errors="replace")


class Lwm2mServer:
    """A LwM2M 1.x server bound to host:port: NoSec, DTLS with the keys of psk, or DTLS
    with certificates (certs: the server's certificate, its CA's, and its key, DER; a
    client must present a certificate that CA signed, its CN the endpoint name)."""

    def __init__(self, host: str = "0.0.0.0", port: int = 5683, log=print,
                 psk: PskStore | None = None, awake_s: float | None = None,
                 provision=None, certs: tuple[bytes, bytes, bytes] | None = None):
        self.host, self.port, self.log, self.psk = host, port, log, psk
        self.front = None
        if certs is not None:
            from .x509 import CertFront

            # The plain server behind it listens on loopback (in the test's namespace).
            self.front = CertFront(certs, ("127.0.0.1", port))
        # A bootstrap server: provision(endpoint) gives the operations that follow a
        # Bootstrap-Request, as (code, path, payload, content format) tuples; then
        # Bootstrap-Finish. What each was answered goes to .bootstrapped[endpoint].
        self.provision = provision
        self.bootstrapped: dict[str, list[tuple[str, str, Code]]] = {}
        self._provisioning: dict[str, asyncio.Task] = {}
        # How long a client in queue mode listens after its last message (its
        # CONFIG_LWM2M_QUEUE_MODE_UPTIME): requests to one that is asleep wait for its
        # next registration update, as a queue-mode server holds them.
        self.awake_s = awake_s
        self.registrations: dict[str, Registration] = {}
        self.history: list[tuple[str, str]] = []  # (event, endpoint)
        # Answers to registration traffic; a test sets them to refuse it (e.g. Code.FORBIDDEN).
        self.refuse_register: Code | None = None
        self.refuse_update: Code | None = None
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._ctx = None

    @classmethod
    def for_build(cls, build, host: str, log=print,
                  keys: dict[bytes, bytes] | None = None, second: bool = False) -> "Lwm2mServer":
        """The server the build's client registers with: the port and scheme of
        CONFIG_NUSIM_CLIENT_SERVER_URI, and for coaps:// the build's identity and PSK
        (keys= replaces them, to test a server that holds another key) or, with
        CONFIG_NUSIM_CLIENT_CREDENTIALS_X509, the server's certificate and key from
        CONFIG_NUSIM_CLIENT_CERT_DIR (x509.make_pki wrote them). second=True: the
        build's second server, CONFIG_NUSIM_CLIENT_SERVER2_URI, with the same
        credentials."""
        from urllib.parse import urlsplit

        from .device import kconfig

        cfg = kconfig(build)
        option = "CONFIG_NUSIM_CLIENT_SERVER2_URI" if second else "CONFIG_NUSIM_CLIENT_SERVER_URI"
        if not cfg.get(option):
            raise ValueError(f"{build}: no {option}")
        uri = urlsplit(cfg[option])
        awake = None
        if cfg.get("CONFIG_LWM2M_QUEUE_MODE_ENABLED") == "y":
            awake = float(cfg["CONFIG_LWM2M_QUEUE_MODE_UPTIME"])
        if uri.scheme == "coap":
            return cls(host, uri.port or 5683, log, awake_s=awake)
        if uri.scheme != "coaps":
            raise ValueError(f"{uri.geturl()}: neither coap:// nor coaps://")
        if cfg.get("CONFIG_NUSIM_CLIENT_CREDENTIALS_X509") == "y":
            from pathlib import Path

            from .x509 import load_pki

            certs = Path(cfg["CONFIG_NUSIM_CLIENT_CERT_DIR"])
            if not certs.is_absolute():
                raise ValueError(f"CONFIG_NUSIM_CLIENT_CERT_DIR {certs}: the harness needs "
                                 "an absolute path")
            return cls(host, uri.port or 5684, log, awake_s=awake,
                       certs=load_pki(certs).server_credentials())
        psk = PskStore(keys if keys is not None else {
            cfg["CONFIG_NUSIM_CLIENT_PSK_IDENTITY"].encode():
                bytes.fromhex(cfg["CONFIG_NUSIM_CLIENT_PSK"])
        })
        return cls(host, uri.port or 5684, log, psk=psk, awake_s=awake)

    @property
    def uri(self) -> str:
        return f"{'coaps' if self.secure else 'coap'}://{self.host}:{self.port}"

    @property
    def secure(self) -> bool:
        """DTLS: a registration needs a session a handshake authenticated."""
        return self.psk is not None or self.front is not None

    # --- life cycle ---

    def start(self) -> "Lwm2mServer":
        # aiocoap warns on every final Block1 response without a Block1 option, which is
        # how Zephyr 3.4 answers; the harness reports what matters itself.
        logging.getLogger("coap").setLevel(logging.ERROR)
        logging.getLogger("coap-server").setLevel(logging.ERROR)
        self._thread.start()
        self._call(self._start())
        return self

    async def _start(self):
        if self.front is not None:
            self._ctx = await aiocoap.Context.create_server_context(
                _RegistrationInterface(self), bind=self.front.backend
            )
            await self.front.start(self.host, self.port)
        elif self.psk is None:
            self._ctx = await aiocoap.Context.create_server_context(
                _RegistrationInterface(self), bind=(self.host, self.port)
            )
        else:
            _dtls_server_sends_requests()
            # aiocoap binds its coaps transports to the given port + 1 (5683 → 5684, so
            # that one bind serves coap and coaps): ask for port - 1 to listen on port.
            self._ctx = await aiocoap.Context.create_server_context(
                _RegistrationInterface(self), bind=(self.host, self.port - 1),
                transports=["tinydtls_server"], server_credentials=self.psk,
            )

    def stop(self):
        if self._ctx is not None:
            self._call(self._shutdown())
            self._ctx = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _shutdown(self):
        me = asyncio.current_task()
        for t in asyncio.all_tasks():
            if t is not me:
                t.cancel()
        if self.front is not None:
            self.front.stop()
        await self._ctx.shutdown()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _call(self, coro, timeout: float | None = None):
        """Runs coro in the server's loop. With a timeout, a call that has no result by then
        is cancelled (retransmissions included) and raises TimeoutError."""
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        limit = 120 if timeout is None else timeout
        try:
            return fut.result(limit)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            raise TimeoutError(f"no answer within {limit} s") from None

    # --- registration interface (runs in the loop) ---

    def _register(self, request):
        if self.refuse_register is not None:
            self._event("refused", "")
            return aiocoap.Message(code=self.refuse_register)
        q, claims, refused = self._endpoint(request)
        if refused is not None:
            return refused
        ep = q["ep"]
        loc = str(next(self._ids))
        reg = Registration(
            endpoint=ep,
            lifetime=int(q.get("lt", "86400")),
            binding=q.get("b", "U"),
            version=q.get("lwm2m", "1.0"),
            links=codec.parse_link_format(request.payload.decode(errors="replace")),
            location=loc,
            remote=request.remote,
            claims=claims,
            queue="Q" in q or q.get("b", "U").endswith("Q"),
        )
        with self._cond:
            self.registrations[ep] = reg
            self.history.append(("register", ep))
            self._cond.notify_all()
        self.log(f"server: {ep} registered from {request.remote.hostinfo}: {','.join(reg.links)}")
        return aiocoap.Message(code=Code.CREATED, location_path=("rd", loc))

    def _endpoint(self, request):
        """A (Bootstrap-)Request's query, the DTLS claims, and the answer that refuses it
        (None if it is taken): no endpoint name (4.00), over DTLS no authenticated
        peer (4.01: a DTLS server serves only what a handshake authenticated), or with
        certificates one whose CN is another endpoint's (4.03)."""
        q = dict(
            p.split("=", 1) if "=" in p else (p, "") for p in request.opt.uri_query
        )
        ep = q.get("ep")
        if not ep:
            return q, (), aiocoap.Message(code=Code.BAD_REQUEST)
        if self.front is not None:
            claims = self.front.claims(request.remote)
        else:
            claims = tuple(getattr(request.remote, "authenticated_claims", ()) or ())
        if self.secure and not any(claims):
            self._event("refused", ep)
            return q, claims, aiocoap.Message(code=Code.UNAUTHORIZED)
        if self.front is not None and claims != (f"CN={ep}",):
            self._event("refused", ep)
            return q, claims, aiocoap.Message(code=Code.FORBIDDEN)
        return q, claims, None

    def _bootstrap_request(self, request):
        q, _, refused = self._endpoint(request)
        if refused is not None:
            return refused
        ep = q["ep"]
        with self._cond:
            self.history.append(("bootstrap", ep))
            self._cond.notify_all()
        # The operations go out once this request is answered, into the same session; a
        # repeated request while they run starts no second run. The task is kept (asyncio
        # holds only a weak reference).
        if ep not in self._provisioning:
            task = self._loop.create_task(self._provision(ep, request.remote))
            self._provisioning[ep] = task
            task.add_done_callback(lambda _t: self._provisioning.pop(ep, None))
        return aiocoap.Message(code=Code.CHANGED)

    async def _provision(self, ep: str, remote):
        done: list[tuple[str, str, Code]] = []
        try:
            await asyncio.sleep(0.2)
            for code, path, payload, cf in [*self.provision(ep), (Code.POST, "/bs", b"", None)]:
                msg = aiocoap.Message(code=code, payload=payload or b"")
                msg.opt.uri_path = tuple(p for p in path.strip("/").split("/") if p)
                if cf is not None:
                    msg.opt.content_format = cf
                msg.remote = remote
                r = await self._ctx.request(msg, handle_blockwise=False).response
                done.append((str(code), path, r.code))
                self.log(f"server: bootstrap {code} {path}: {r.code}")
        except Exception as e:  # the device went away: what was done is recorded
            done.append(("error", repr(e), Code.INTERNAL_SERVER_ERROR))
        with self._cond:
            self.bootstrapped[ep] = done
            self.history.append(("bootstrapped", ep))
            self._cond.notify_all()

    def _event(self, event: str, ep: str):
        """An entry of .history, under the lock its readers (wait_for, _hold) take."""
        with self._cond:
            self.history.append((event, ep))
            self._cond.notify_all()

    def _find(self, loc: str) -> Registration | None:
        return next((r for r in self.registrations.values() if r.location == loc), None)

    def _update(self, loc: str, request):
        reg = self._find(loc)
        if reg is None:
            return aiocoap.Message(code=Code.NOT_FOUND)
        if self.refuse_update is not None:
            self._event("update refused", reg.endpoint)
            return aiocoap.Message(code=self.refuse_update)
        with self._cond:
            reg.updates += 1
            reg.remote = request.remote
            reg.heard = time.monotonic()
            if request.payload:
                reg.links = codec.parse_link_format(request.payload.decode(errors="replace"))
            self.history.append(("update", reg.endpoint))
            self._cond.notify_all()
        return aiocoap.Message(code=Code.CHANGED)

    def _deregister(self, loc: str):
        reg = self._find(loc)
        if reg is None:
            return aiocoap.Message(code=Code.NOT_FOUND)
        with self._cond:
            del self.registrations[reg.endpoint]
            self.history.append(("deregister", reg.endpoint))
            self._cond.notify_all()
        return aiocoap.Message(code=Code.DELETED)

    def wait_for(self, event: str, endpoint: str, timeout: float, after: int = 0) -> Registration | None:
        """Wait until history[after:] holds (event, endpoint); returns the registration."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (event, endpoint) not in self.history[after:]:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"no {event} of {endpoint} within {timeout} s: {self.history[after:]}"
                    )
                self._cond.wait(left)
            return self.registrations.get(endpoint)

    def wait_registration(self, endpoint: str, timeout: float = 30, after: int = 0) -> Registration:
        return self.wait_for("register", endpoint, timeout, after)

    def asleep(self, ep: str) -> bool:
        """The client is in queue mode and, by the server's reckoning, not listening: its
        last message is more than awake_s (less a second for the way) ago."""
        reg = self.registrations.get(ep)
        return (reg is not None and reg.queue and self.awake_s is not None
                and time.monotonic() - reg.heard > self.awake_s - 1.0)

    def _hold(self, ep: str, timeout: float = 120):
        """Queue mode: a request to a client that is asleep waits for its next
        registration or update (then it listens again)."""
        with self._cond:
            # Counted before the check: an update that lands in between still wakes it.
            n = len(self.history)
            if not self.asleep(ep):
                return
            self.log(f"server: {ep} is asleep (queue mode): holding the request")
            deadline = time.monotonic() + timeout
            while not any(e in (("update", ep), ("register", ep)) for e in self.history[n:]):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{ep} did not wake within {timeout} s")
                self._cond.wait(left)

    # --- device management interface ---

    def _message(self, ep: str, code: Code, path: str, **opts) -> aiocoap.Message:
        reg = self.registrations.get(ep)
        if reg is None:
            raise LookupError(f"{ep} is not registered")
        msg = aiocoap.Message(code=code, **opts)
        msg.opt.uri_path = tuple(p for p in path.strip("/").split("/") if p)
        msg.remote = reg.remote
        return msg

    async def _send(self, msg: aiocoap.Message, blockwise: bool = True, blocks: int = 1) -> Response:
        r = await self._ctx.request(msg, handle_blockwise=blockwise).response
        self._heard(msg)
        return Response(r.code, r.opt.content_format, r.payload, blocks)

    def _heard(self, msg: aiocoap.Message):
        """The answer to msg came: the client it went to listens again for a while."""
        for reg in self.registrations.values():
            if reg.remote is msg.remote:
                reg.heard = time.monotonic()

    @staticmethod
    def _szx(block_size: int) -> int:
        """The Block option's size exponent of a block size in 16..1024."""
        szx = block_size.bit_length() - 5
        if not 0 <= szx <= 6 or block_size != 1 << (szx + 4):
            raise ValueError(f"block size {block_size}: not a power of two in 16..1024")
        return szx

    def read(self, ep: str, path: str, accept: int | None = None, *, hold: bool = True,
             timeout: float | None = None) -> Response:
        """GET (Block2 responses are reassembled by aiocoap). hold=False sends it even to
        a client that is asleep in queue mode."""
        if hold:
            self._hold(ep)
        opts = {} if accept is None else {"accept": accept}
        return self._call(self._send(self._message(ep, Code.GET, path, **opts)), timeout)

    def execute(self, ep: str, path: str, args: bytes = b"") -> Response:
        self._hold(ep)
        return self._call(self._send(self._message(ep, Code.POST, path, payload=args)))

    def delete(self, ep: str, path: str) -> Response:
        self._hold(ep)
        return self._call(self._send(self._message(ep, Code.DELETE, path)))

    def write(
        self,
        ep: str,
        path: str,
        payload: bytes,
        content_format: int,
        *,
        replace: bool = True,
        block_size: int | None = None,
        timeout: float | None = None,
    ) -> Response:
        """Write (PUT replaces, POST updates partially, as for an instance; POST to an
        object is a create). With block_size (16..1024), the payload goes as Block1
        blocks of that size, one request each, each block sent only once the previous
        one was acknowledged with its Block1 option (2.31 or, as Zephyr 3.4 answers,
        2.04); .blocks counts the requests that went on the wire. Without it, as one
        message, whatever its size."""
        code = Code.PUT if replace else Code.POST
        self._hold(ep)
        return self._call(self._write(ep, code, path, payload, content_format, block_size),
                          timeout)

    def create(self, ep: str, obj: int, payload: bytes, content_format: int, **kw) -> Response:
        return self.write(ep, f"/{obj}", payload, content_format, replace=False, **kw)

    async def _write(self, ep, code, path, payload, cf, block_size) -> Response:
        msg = self._message(ep, code, path, payload=payload, content_format=cf)
        if block_size is None:
            return await self._send(msg, blockwise=False)
        szx = self._szx(block_size)
        sent = 0
        for num, at in enumerate(range(0, max(len(payload), 1), block_size)):
            chunk = payload[at : at + block_size]
            more = at + block_size < len(payload)
            m = self._message(ep, code, path, payload=chunk, content_format=cf)
            m.opt.block1 = BlockOption.BlockwiseTuple(num, more, szx)
            if num == 0:
                m.opt.size1 = len(payload)
            r = await self._ctx.request(m, handle_blockwise=False).response
            self._heard(m)
            sent += 1
            ack = r.opt.block1
            if not more or not r.code.is_successful():
                return Response(r.code, r.opt.content_format, r.payload, sent)
            if ack is None or ack.block_number != num:
                raise AssertionError(f"block {num} of {path}: {r.code} without its Block1")
        raise AssertionError("unreachable")

    def composite_read(self, ep: str, paths: list[str], at: str = "/") -> Response:
        """LwM2M 1.1 Read-Composite: FETCH of `at` (the root, as the specification has
        it) with the paths as SenML CBOR records."""
        body = codec.senml_cbor_paths(paths)
        self._hold(ep)
        msg = self._message(ep, Code.FETCH, at, payload=body,
                            content_format=codec.SENML_CBOR, accept=codec.SENML_CBOR)
        return self._call(self._send(msg))

    def write_block(
        self, ep: str, path: str, chunk: bytes, content_format: int, num: int, more: bool,
        block_size: int,
    ) -> Response:
        """One Block1 block sent by hand (PUT), to test what happens between blocks."""
        self._hold(ep)
        msg = self._message(ep, Code.PUT, path, payload=chunk, content_format=content_format)
        msg.opt.block1 = BlockOption.BlockwiseTuple(num, more, self._szx(block_size))
        return self._call(self._send(msg, blockwise=False))

    def observe(
        self, ep: str, path: str, accept: int | None = None, *, blockwise: bool = True
    ) -> Observation:
        """Observe path; the first response is .first, later ones .notifications. With
        blockwise=False each notification is its first block only: Zephyr's engine
        cannot serve the rest of a notification larger than one block (it drops a Block2
        request that continues no response of its own), and aiocoap's attempt would hold
        up every later request to the device until its retransmissions run out."""
        self._hold(ep)
        ob = Observation(self, path)
        ob.first = self._call(self._observe(ob, ep, path, accept, blockwise))
        return ob

    async def _observe(self, ob: Observation, ep, path, accept, blockwise) -> Response:
        opts = {"observe": 0}
        if accept is not None:
            opts["accept"] = accept
        msg = self._message(ep, Code.GET, path, **opts)
        ob._handle = self._ctx.request(msg, handle_blockwise=blockwise)
        first = await ob._handle.response

        async def follow():
            try:
                async for n in ob._handle.observation:
                    ob._add(Response(n.code, n.opt.content_format, n.payload))
            except Exception as e:  # the observation ended (cancel, error, shutdown)
                self.log(f"server: observation of {path} ended: {e!r}")

        self._loop.create_task(follow())
        return Response(first.code, first.opt.content_format, first.payload)
