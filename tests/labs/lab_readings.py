"""lab_readings.py -- every lab answer this test can find without pushviz
and without the labs' key code.

Where tshark dissects the answer itself (a header, a masking key, a chunk
size, a TCP length) the reading is a `tshark -T fields` query; the rest is
read from the connections' bytes and times as tshark prints them
(tshark_wire.py), by the worksheet's own definition of the question.
readings(lab, paths) returns {question id: answer text}; a question it
has no reading for is left to the key.
"""
import functools
import re

from tshark_wire import Wire, header, tshark


def mean(values):
    assert values, "nothing to average"
    return sum(values) / len(values)


def p90(values):
    """Nearest rank: the value at rank ceil(0.9 n) of the sorted values."""
    return sorted(values)[-(-9 * len(values) // 10) - 1]


@functools.lru_cache(maxsize=None)
def server_ports(pcap):
    """The ports that answered a SYN.  fields() has tshark decode them as
    HTTP: tshark picks a dissector by port, and a client's ephemeral port
    can be one registered to another protocol (44322 is pmproxy's), which
    then takes the whole connection."""
    out = tshark(pcap, "-Y", "tcp.flags.syn == 1 and tcp.flags.ack == 1", "-T", "fields",
                 "-e", "tcp.srcport")
    return tuple(sorted({int(p) for p in out.split()}))


def fields(pcap, display_filter, *names):
    """tshark's values of these fields, one tuple per matching packet (HTTP
    heads dissected where they arrive: a streamed body never ends)."""
    decode_as = [x for p in server_ports(pcap) for x in ("-d", "tcp.port==%d,http" % p)]
    out = tshark(pcap, "-o", "http.desegment_body:FALSE", *decode_as, "-Y", display_filter,
                 "-T", "fields", *[x for n in names for x in ("-e", n)])
    return [tuple(line.split("\t")) for line in out.splitlines() if line.strip()]


# ------------------------------------------------------------ shared readings

def ticks(events):
    return [e for e in events if e["kind"] == "tick"]


def tick_interval(stream):
    ts = [e["ts"] for e in ticks(stream.events())]
    return mean([b - a for a, b in zip(ts, ts[1:])])


def chat(stream):
    return next(e for e in stream.events() if e["kind"] == "chat")


def head_bytes(stream):
    return sum(h["bytes"] for d in ("c2s", "s2c") for h in stream.heads(d))


def body_of(stream, n):
    """Offsets [start, end) of the body of the n-th response (0-based),
    ending where the next response begins (or the data ends)."""
    heads = stream.heads("s2c")
    start = heads[n]["offset"] + heads[n]["bytes"]
    end = heads[n + 1]["offset"] if n + 1 < len(heads) else len(stream.data("s2c"))
    return start, end


def events_per_response(stream):
    events = stream.events()
    return [sum(1 for e in events if a <= e["offset"] < b)
            for a, b in (body_of(stream, n) for n in range(len(stream.heads("s2c"))))]


def asking(wire, path):
    return [s for s in wire.stream_list()
            if any(h["line"].split()[1].split("?")[0] == path for h in s.heads("c2s")
                   if len(h["line"].split()) > 1)]


def post_time(wire):
    return next(h["t"] for s in wire.stream_list() for h in s.heads("c2s")
                if h["line"].startswith("POST /send "))


def common(found, stream, wire, prefix=""):
    """What every streaming lab asks of its long-running connection."""
    events = stream.events()
    found[prefix + "tick_interval_ms"] = tick_interval(stream)
    found[prefix + "first_wait_ms"] = (events[0]["t"] - stream.first_t) * 1000.0
    return events


def down_rate(stream):
    """Bytes the server sent a second, over the connection's life."""
    return sum(n for _, d, n in stream.packets if d == "s2c") / (stream.packets[-1][0] - stream.first_t)


def containing(items, offset):
    """The last (offset, ...) item starting at or before offset."""
    return max((it for it in items if it[0] <= offset), key=lambda it: it[0])


# ------------------------------------------------------------ labs

def lab_poll(paths, found):
    w, j = Wire(paths["poll"]), Wire(paths["jsonp"])
    poll = w.busiest(lambda s: s in asking(w, "/poll"))
    t = [h["t"] for h in poll.heads("c2s")]
    interval = mean([(b - a) * 1000.0 for a, b in zip(t, t[1:])])
    latency = mean([e["latency_ms"] for e in poll.events()])
    found.update(poll_requests=len(poll.heads("c2s")), poll_interval_ms=interval,
                 poll_empty_responses=events_per_response(poll).count(0),
                 poll_request_head_bytes=poll.heads("c2s")[0]["bytes"],
                 poll_header_bytes_per_event=head_bytes(poll) / len(poll.events()),
                 poll_mean_latency_ms=latency, tick_interval_ms=tick_interval(poll),
                 latency_share_of_interval=latency / interval,
                 response_head_share=sum(h["bytes"] for h in poll.heads("s2c")) / head_bytes(poll))
    found["late_client_events"] = events_per_response(asking(w, "/poll")[1])[0]
    status = fields(paths["poll"], 'http.request.method == "POST"', "tcp.stream")
    answered = fields(paths["poll"], "http.response", "tcp.stream", "http.response.code")
    found["send_status"] = next(code for sid, code in answered if sid == status[0][0])
    jp = j.busiest(lambda s: s in asking(j, "/poll"))
    uri = fields(paths["jsonp"], "http.request", "http.request.uri")[0][0]
    callback = re.search(r"[?&]callback=([^&]+)", uri).group(1)
    found.update(jsonp_callback=callback, callback_param_bytes=len("&callback=" + callback),
                 jsonp_content_type=fields(paths["jsonp"], "http.response",
                                           "http.content_type")[0][0],
                 jsonp_header_bytes_per_event=head_bytes(jp) / len(jp.events()))


def lab_longpoll(paths, found):
    w = Wire(paths["longpoll"])
    lp = w.busiest(lambda s: s in asking(w, "/poll"))
    reqs, resps = lp.heads("c2s"), lp.heads("s2c")
    held = [(r["t"] - q["t"]) * 1000.0 for q, r in zip(reqs, resps)]
    gaps = [(reqs[i + 1]["t"] - r["t"]) * 1000.0 for i, r in enumerate(resps) if i + 1 < len(reqs)]
    events = lp.events()
    found.update(longpoll_requests=len(reqs), first_held_ms=held[0], second_held_ms=held[1],
                 reask_gap_ms=mean(gaps),
                 longpoll_empty_responses=events_per_response(lp).count(0),
                 unanswered_requests=len(reqs) - len(resps),
                 longpoll_header_bytes_per_event=head_bytes(lp) / len(events),
                 longpoll_mean_latency_ms=mean([e["latency_ms"] for e in events]),
                 late_client_events=events_per_response(asking(w, "/poll")[1])[0],
                 tick_interval_ms=tick_interval(lp),
                 held_share_of_interval=mean(held) / tick_interval(lp),
                 requests_per_event=len(reqs) / len(events))


def tick_chunk(stream):
    """(chunks of a chunked stream, index of the one carrying the first tick)."""
    chunks = stream.chunks()
    first_tick = ticks(stream.events())[0]
    i = chunks.index(containing(chunks, first_tick["offset"]))
    return chunks, i


def event_json_len(e):
    return e["end"] - e["offset"]


def lab_iframe(paths, found):
    w = Wire(paths["iframe"])
    s = w.busiest(lambda s: s.heads("s2c"))
    events = common(found, s, w)
    chunks, i = tick_chunk(s)
    down = sum(n for _, d, n in s.packets if d == "s2c")
    found.update(prelude_chunk_size=chunks[0][1], event_chunk_size=chunks[i][1],
                 script_wrapper_bytes=chunks[i][1] - event_json_len(ticks(events)[0]),
                 chunk_framing_bytes=chunks[i + 1][0] - chunks[i][0] - chunks[i][1],
                 iframe_events=len(events), iframe_header_bytes_per_event=head_bytes(s) / len(events),
                 iframe_mean_latency_ms=mean([e["latency_ms"] for e in events]),
                 down_bytes_per_event=down / len(events), prelude_share=chunks[0][1] / down,
                 chat_chunk_size=containing(chunks, chat(s)["offset"])[1], chat_seq=chat(s)["seq"],
                 post_to_push_ms=(chat(s)["t"] - post_time(w)) * 1000.0,
                 chat_latency_ms=chat(s)["latency_ms"], down_bytes_per_s=down_rate(s))
    response = fields(paths["iframe"], "http.response", "http.content_type",
                      "http.transfer_encoding")[0]
    found.update(iframe_content_type=response[0], iframe_transfer_encoding=response[1])


def lab_xhr(paths, found):
    w = Wire(paths["xhr"])
    s = w.busiest(lambda s: s.heads("s2c"))
    events = common(found, s, w, "xhr_")
    found["tick_interval_ms"] = found.pop("xhr_tick_interval_ms")
    chunks, i = tick_chunk(s)
    found.update(ndjson_chunk_size=chunks[i][1],
                 ndjson_line_overhead=chunks[i][1] - event_json_len(ticks(events)[0]),
                 ndjson_chunk_framing_bytes=chunks[i + 1][0] - chunks[i][0] - chunks[i][1],
                 xhr_events=len(events), xhr_header_bytes_per_event=head_bytes(s) / len(events),
                 chat_seq=chat(s)["seq"],
                 chat_chunk_size=containing(chunks, chat(s)["offset"])[1],
                 xhr_mean_latency_ms=mean([e["latency_ms"] for e in events]),
                 xhr_post_to_push_ms=(chat(s)["t"] - post_time(w)) * 1000.0,
                 ndjson_content_type=fields(paths["xhr"], "http.response",
                                            "http.content_type")[0][0])
    m = Wire(paths["multipart"])
    ms = m.busiest(lambda s: s.heads("s2c"))
    mevents = common(found, ms, m, "multipart_")
    down = sum(n for _, d, n in ms.packets if d == "s2c")
    found.update(multipart_events=len(mevents),
                 multipart_mean_latency_ms=mean([e["latency_ms"] for e in mevents]),
                 multipart_down_bytes_per_event=down / len(mevents),
                 multipart_post_to_push_ms=(chat(ms)["t"] - post_time(m)) * 1000.0)
    ctype = header(ms.heads("s2c")[0], "Content-Type")
    boundary = re.search(r"boundary=\"?([^\";]+)", ctype).group(1)
    parts = multipart_parts(ms, boundary)
    first_tick = ticks(mevents)[0]
    i = parts.index(containing(parts, first_tick["offset"]))
    second = parts.index(containing(parts, ticks(mevents)[1]["offset"]))
    found.update(multipart_boundary=boundary, part_content_type=parts[0][2], part_size=parts[i][1],
                 part_overhead_bytes=parts[second + 1][0] - parts[second][0] - parts[second][1],
                 chat_part_size=containing(parts, chat(ms)["offset"])[1])


def multipart_parts(stream, boundary):
    """(offset, body size, Content-Type) of each part (RFC 2046 §5.1.1: the
    CRLF before a delimiter belongs to the delimiter, so a part after the
    first starts at that CRLF)."""
    data = stream.data("s2c")
    head = stream.heads("s2c")[0]
    delim = b"--" + boundary.encode()
    parts, pos = [], data.find(delim, head["offset"] + head["bytes"])
    while pos >= 0:
        start = pos - 2 if parts else pos
        end_of_headers = data.find(b"\r\n\r\n", pos)
        if end_of_headers < 0:
            break
        lines = data[pos:end_of_headers].decode("latin-1").split("\r\n")[1:]
        headers = dict((k.strip().lower(), v.strip()) for k, v in (x.split(":", 1) for x in lines))
        size = int(headers["content-length"])
        if end_of_headers + 4 + size > len(data):
            break
        parts.append((start, size, headers.get("content-type")))
        pos = data.find(delim, end_of_headers + 4 + size)
    return parts


def lab_flash(paths, found):
    w = Wire(paths["flash"])
    policy = [s for s in w.stream_list() if s.data("c2s").startswith(b"<policy-file-request/>")]
    data = w.busiest(lambda s: s not in policy)
    events = common(found, data, w)
    msgs = [0] + [o + 1 for o in range(len(data.data("s2c"))) if data.data("s2c")[o] == 0]
    first = ticks(events)[0]
    start = containing([(o,) for o in msgs], first["offset"])[0]
    nxt = min(o for o in msgs if o > start)
    sent = [r for r in w.stream_list() if r not in policy and r.data("c2s").strip(b"\0")]
    text = min(sent, key=lambda r: r.dirs["c2s"].ready[0][1]).data("c2s").strip(b"\0").split(b"\0")[0]
    down = sum(n for _, d, n in data.packets if d == "s2c")
    found.update(policy_connections=len(policy),
                 policy_request_bytes=len(policy[0].data("c2s")),
                 policy_port=int(re.search(rb'to-ports="(\d+)"', policy[0].data("s2c")).group(1)),
                 http_requests=len(fields(paths["flash"], "http.request", "frame.number")),
                 message_bytes=nxt - start, terminator_bytes=nxt - start - (first["end"] - first["offset"]),
                 chat_text=text.decode(), chat_wire_bytes=len(text) + 1, flash_events=len(events),
                 flash_mean_latency_ms=mean([e["latency_ms"] for e in events]),
                 down_bytes_per_event=down / len(events), chat_seq=chat(data)["seq"])


def sse_blocks(stream):
    """(offset, text) of each blank-line-ended block of the event stream."""
    data = stream.data("s2c")
    head = stream.heads("s2c")[0]
    pos = start = head["offset"] + head["bytes"]
    blocks = []
    for m in re.finditer(rb"\n\n", data[start:]):
        blocks.append((pos, data[pos:start + m.end()]))
        pos = start + m.end()
    return blocks


def lab_sse(paths, found):
    w = Wire(paths["sse"])
    s = w.busiest(lambda s: s.heads("s2c"))
    events = common(found, s, w)
    blocks = [(o, b) for o, b in sse_blocks(s) if re.search(rb"(?m)^id:", b)]
    first = ticks(events)[0]
    i = blocks.index(containing(blocks, first["offset"]))
    stride = len(blocks[i][1])  # its own block: a heartbeat after it is a block of its own
    data_len = len(re.search(rb"(?m)^data: ?(.*)$", blocks[i][1]).group(1))
    body = s.data("s2c")
    resume = next(h for r in w.stream_list() for h in r.heads("c2s")
                  if header(h, "Last-Event-ID") is not None)
    found.update(prelude_bytes=blocks[0][0] - s.heads("s2c")[0]["bytes"], event_bytes=stride,
                 field_overhead_bytes=stride - data_len,
                 last_event_id=int(re.findall(rb"(?m)^id: ?(\d+)", body)[-1]),
                 sse_events=len(events), sse_header_bytes_per_event=head_bytes(s) / len(events),
                 sse_mean_latency_ms=mean([e["latency_ms"] for e in events]),
                 retry_ms=int(re.search(rb"(?m)^retry: ?(\d+)\r?$", body).group(1)),
                 resume_last_event_id=int(header(resume, "Last-Event-ID")),
                 heartbeats=len(re.findall(rb"(?m)^:", body)),
                 post_to_push_ms=(chat(s)["t"] - post_time(w)) * 1000.0)
    back = next(r for r in w.stream_list() for h in r.heads("c2s") if h is resume or h == resume)
    found["reconnect_delay_ms"] = (back.first_t - s.packets[-1][0]) * 1000.0
    answer = back.heads("s2c")[0]["t"]
    found["replayed_events"] = sum(1 for e in back.events() if e["t"] - answer < 0.005)
    beat = re.search(rb"(?m)^: ?heartbeat", body).start()
    found["first_heartbeat_ms"] = (s.dirs["s2c"].ready_t(beat) - s.heads("s2c")[0]["t"]) * 1000.0
    found["down_bytes_per_s"] = down_rate(s)
    chat_block = containing(blocks, chat(s)["offset"])
    found["chat_event_bytes"] = len(chat_block[1])
    found["chat_event_name"] = re.search(rb"(?m)^event: ?(.*)$", chat_block[1]).group(1).decode()
    response = fields(paths["sse"], "http.response", "http.content_type")[0]
    found["sse_content_type"] = response[0]
    found["sse_accept"] = header(s.heads("c2s")[0], "Accept")


def lab_ws(paths, found):
    w = Wire(paths["ws"])
    s = w.busiest(lambda s: s.heads("s2c"))
    events = common(found, s, w)
    keys = [k for (k,) in fields(paths["ws"], "websocket.mask == 1", "websocket.masking_key")]
    down = [f for f in s.ws_frames("s2c") if f["opcode"] == 1]
    client = sorted((f for r in w.stream_list() for f in r.ws_frames("c2s")), key=lambda f: f["t"])
    texts = [f for f in client if f["opcode"] == 1]
    closes = [f for f in client if f["opcode"] == 8]
    all_down = sorted((f for r in w.stream_list() for f in r.ws_frames("s2c")), key=lambda f: f["t"])
    sender = next(r for r in w.stream_list() if texts[0] in r.ws_frames("c2s"))
    echo = next(f for f in sender.ws_frames("s2c") if f["opcode"] == 1 and f["t"] >= texts[0]["t"])
    status = fields(paths["ws"], "http.response", "http.response.code", "http.sec_websocket_accept")
    found.update(handshake_status=int(status[0][0]),
                 accept_value=status[0][1],
                 server_frame_header_bytes=[f for f in all_down if f["opcode"] == 1][0]["header_len"],
                 client_frame_header_bytes=client[0]["header_len"],
                 third_client_mask_key=keys[2],
                 masked_server_frames=sum(1 for f in all_down if f["mask_key"]),
                 client_close_code=int.from_bytes(closes[0]["payload"][:2], "big"),
                 client_close_reason=closes[0]["payload"][2:].decode(),
                 chat_echo_ms=(echo["t"] - texts[0]["t"]) * 1000.0,
                 ws_header_bytes_per_event=head_bytes(s) / len(events),
                 chat_frame_bytes=texts[0]["header_len"] + texts[0]["len"],
                 frame_overhead_share=sum(f["header_len"] for f in all_down)
                 / sum(f["header_len"] + f["len"] for f in all_down),
                 ws_mean_latency_ms=mean([e["latency_ms"] for e in events]),
                 chat_seq=chat(s)["seq"],
                 chat_event_frame_len=[f for f in down if f["offset"] <= chat(s)["offset"]][-1]["len"])


def compare_groups(wire):
    """{technique: [streams]} of lab 08's capture, by what each client asked
    and was answered: the two /poll servers told apart by how long they
    hold a request, JSONP by its callback, the streams by path and type."""
    groups, polls = {}, {}
    for s in wire.stream_list():
        req = s.heads("c2s")[:1]
        line = req[0]["line"] if req else ""
        if not req:
            name = "flash" if s.events() else None
        elif line.startswith("GET /poll") and "callback=" in line:
            name = "jsonp"
        elif line.startswith("GET /poll"):
            polls.setdefault(s.server_port, []).append(s)
            continue
        elif line.startswith("GET /events"):
            name = "sse"
        elif line.startswith("GET /ws"):
            name = "ws"
        elif line.startswith("GET /multipart"):
            name = "multipart"
        elif line.startswith("GET /stream"):
            ctype = header(s.heads("s2c")[0], "Content-Type")
            name = "iframe" if ctype.startswith("text/html") else "xhr"
        else:
            name = None  # a POST /send, a page
        if name:
            groups.setdefault(name, []).append(s)

    def held(streams):
        return mean([(r["t"] - q["t"]) for s in streams
                     for q, r in zip(s.heads("c2s"), s.heads("s2c"))])
    short, long_ = sorted(polls.values(), key=held)
    groups["poll"], groups["longpoll"] = short, long_
    return groups


def group_hdr(streams):
    return sum(head_bytes(s) for s in streams) / sum(len(s.events()) for s in streams)


def group_latency(streams):
    return mean([e["latency_ms"] for s in streams for e in s.events()])


def lab_compare(paths, found):
    g = compare_groups(Wire(paths["compare"]))
    hdr = {t: group_hdr(v) for t, v in g.items() if any(s.events() for s in v)}
    lat = {t: group_latency(v) for t, v in g.items() if any(s.events() for s in v)}
    best = min(hdr.values())
    found.update(poll_flows=len(g["poll"]), poll_requests=sum(len(s.heads("c2s")) for s in g["poll"]),
                 ws_events=sum(len(s.events()) for s in g["ws"]),
                 poll_header_bytes_per_event=hdr["poll"], sse_header_bytes_per_event=hdr["sse"],
                 ws_header_bytes_per_event=hdr["ws"], poll_mean_latency_ms=lat["poll"],
                 ws_mean_latency_ms=lat["ws"], sse_mean_latency_ms=lat["sse"],
                 fewest_header_bytes=" ".join(t for t, v in hdr.items() if v == best),
                 slow_rows=sum(1 for v in lat.values() if v > 50.0),
                 poll_to_ws_header_ratio=hdr["poll"] / hdr["ws"],
                 tick_interval_ms=tick_interval(max(g["ws"], key=lambda s: len(s.events()))))


# ------------------------------------------------------------ lab 09

def rtt_groups(wire):
    """{technique: [streams]} of a lab 09 round-trip capture, told apart by
    what the client asked: /ws, /events, and /poll -- short polling being
    the /poll server whose answers include an empty array."""
    by_port = {}
    for s in wire.stream_list():
        heads = s.heads("c2s")
        if heads and heads[0]["line"].startswith("GET "):
            by_port.setdefault(s.server_port, []).append(s)
    groups = {}
    for streams in by_port.values():
        target = streams[0].heads("c2s")[0]["line"].split()[1]
        if target.startswith("/ws"):
            groups["ws"] = streams
        elif target.startswith("/events"):
            groups["sse"] = streams
        else:
            empty = any(s.data("s2c")[h["offset"] + h["bytes"]:].startswith(b"[]")
                        for s in streams for h in s.heads("s2c"))
            groups["poll" if empty else "longpoll"] = streams
    assert sorted(groups) == ["longpoll", "poll", "sse", "ws"], sorted(groups)
    return groups


def rtt_latencies(wire, technique):
    return [e["latency_ms"] for s in rtt_groups(wire)[technique] for e in s.events()]


def lab_rtt(paths, found):
    w = {name: Wire(path) for name, path in paths.items()}
    # The handshake's round trip as Wireshark's iRTT (tcp.analysis.initial_rtt)
    # and pushviz's handshake= measure it: the SYN to the client's ACK of the
    # SYN-ACK.  (Up to the SYN-ACK alone leaves out the client's turn, which
    # a busy machine stretches by tenths of a millisecond, past the key's
    # tolerance.)
    hs = [(s.handshake_ack_t - s.syn_t) * 1000.0 for s in w["rtt80"].stream_list()
          if s.syn_t is not None and s.handshake_ack_t is not None]
    found["handshake_rtt80_ms"] = mean(hs)
    poll0 = mean(rtt_latencies(w["rtt0"], "poll"))
    found["poll_mean_rtt0_ms"] = poll0
    poller = max(rtt_groups(w["rtt0"])["poll"], key=lambda s: len(s.heads("c2s")))
    t = [h["t"] for h in poller.heads("c2s")]
    found["poll_share_rtt0"] = poll0 / mean([(b - a) * 1000.0 for a, b in zip(t, t[1:])])
    for technique in ("longpoll", "sse", "ws"):
        found["%s_mean_rtt80_ms" % technique] = mean(rtt_latencies(w["rtt80"], technique))
    found["poll_mean_rtt300_ms"] = mean(rtt_latencies(w["rtt300"], "poll"))
    found["longpoll_p90_rtt300_ms"] = p90(rtt_latencies(w["rtt300"], "longpoll"))
    found["ws_p90_rtt300_ms"] = p90(rtt_latencies(w["rtt300"], "ws"))
    found["longpoll_extra_rtts_300"] = (mean(rtt_latencies(w["rtt300"], "longpoll"))
                                        - mean(rtt_latencies(w["rtt300"], "ws"))) / 300.0
    loss = w["loss"].busiest().events()
    lat = [e["latency_ms"] for e in loss]
    per_packet = {}
    for e in loss:
        per_packet[e["t"]] = per_packet.get(e["t"], 0) + 1
    found.update(loss_mean_latency_ms=mean(lat), loss_max_latency_ms=max(lat),
                 loss_held_events=sum(1 for x in lat if x > max(2 * min(lat), min(lat) + 10.0)),
                 loss_most_released=max(per_packet.values()))
    server = w["slow"].busiest()
    slow = server.events()
    first, last = slow[0], slow[-1]
    sent = sum(n for t, d, n in server.packets if d == "s2c" and first["t"] <= t <= last["t"])
    found.update(slow_max_latency_ms=max(e["latency_ms"] for e in slow),
                 slow_lag_growth=(last["latency_ms"] - first["latency_ms"]) / (last["ts"] - first["ts"]),
                 slow_events_per_s=(len(slow) - 1) / (last["t"] - first["t"]),
                 slow_down_kbit=sent * 8 / 1000.0 / (last["t"] - first["t"]))


LABS = {"01-poll": lab_poll, "02-longpoll": lab_longpoll, "03-iframe": lab_iframe,
        "04-xhr": lab_xhr, "05-flash": lab_flash, "06-sse": lab_sse, "07-ws": lab_ws,
        "08-compare": lab_compare, "09-rtt": lab_rtt}
# The capture of each lab whose TCP payload the tshark cross-check adds up.
TOTAL_OF = {"09-rtt": "rtt80"}


def readings(lab, paths):
    """{question id: answer text} read without pushviz or the key."""
    found = {}
    LABS[lab](paths, found)
    total = paths[TOTAL_OF.get(lab, next(iter(paths)))]
    found["tshark_payload_bytes"] = sum(int(n) for (n,) in fields(total, "tcp", "tcp.len"))
    return {k: "%.6f" % v if isinstance(v, float) else str(v) for k, v in found.items()}
