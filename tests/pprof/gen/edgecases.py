#!/usr/bin/env python3
"""Hand-built pprof profiles for e2e-profile's decoder and `top` tests.

Usage:  python3 tests/pprof/gen/edgecases.py [OUTDIR]
        (OUTDIR defaults to tests/pprof/data next to this script's parent)

Encodes perftools.profiles.Profile messages by hand (standard library only)
and writes valid edge-case profiles into OUTDIR, invalid ones (which
`go tool pprof` must reject) into OUTDIR/invalid, and bad input files
(not profiles at all) into OUTDIR/bad.  Output is deterministic: gzip
members carry mtime 0 and no file name.

Field numbers (see docs/pprof-semantics.md):
  Profile  {sample_type=1 sample=2 mapping=3 location=4 function=5
            string_table=6 drop_frames=7 keep_frames=8 time_nanos=9
            duration_nanos=10 period_type=11 period=12 comment=13
            default_sample_type=14 doc_url=15}
  ValueType{type=1 unit=2}
  Sample   {location_id=1 value=2 label=3}
  Label    {key=1 str=2 num=3 num_unit=4}
  Mapping  {id=1 memory_start=2 memory_limit=3 file_offset=4 filename=5
            build_id=6 has_functions=7 has_filenames=8 has_line_numbers=9
            has_inline_frames=10}
  Location {id=1 mapping_id=2 address=3 line=4 is_folded=5}
  Line     {function_id=1 line=2 column=3}
  Function {id=1 name=2 system_name=3 filename=4 start_line=5}
"""

import gzip
import os
import sys

# ---------------------------------------------------------------------------
# Minimal protobuf encoder
# ---------------------------------------------------------------------------

WT_VARINT, WT_I64, WT_LEN, WT_I32 = 0, 1, 2, 5


def varint(n):
    """Encode an int as a protobuf varint; negatives as 64-bit two's complement."""
    if n < 0:
        n += 1 << 64
    if n < 0 or n >= 1 << 64:
        raise ValueError("varint out of range: %r" % n)
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wt):
    return varint((field << 3) | wt)


def f_varint(field, v):
    return key(field, WT_VARINT) + varint(v)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return key(field, WT_LEN) + varint(len(b)) + b


def f_packed(field, values):
    return f_bytes(field, b"".join(varint(v) for v in values))


def f_unpacked(field, values):
    return b"".join(f_varint(field, v) for v in values)


def f_repeated(field, values, packing):
    """Encode a repeated scalar field.

    packing: 'go'     -> packed when more than two elements (like Go's writer)
             'packed' -> always packed (if non-empty)
             'unpacked' -> one key per element
             'split'  -> first half packed, rest unpacked (both in one message)
    """
    values = list(values)
    if not values:
        return b""
    if packing == "go":
        packing = "packed" if len(values) > 2 else "unpacked"
    if packing == "packed":
        return f_packed(field, values)
    if packing == "unpacked":
        return f_unpacked(field, values)
    if packing == "split":
        h = max(1, len(values) // 2)
        return f_packed(field, values[:h]) + f_unpacked(field, values[h:])
    raise ValueError(packing)


# ---------------------------------------------------------------------------
# Profile model
# ---------------------------------------------------------------------------


class Profile:
    """A profile under construction.  Strings are interned automatically."""

    def __init__(self):
        self.strings = [""]
        self._sidx = {"": 0}
        self.sample_types = []   # [(type, unit)]
        self.samples = []        # [dict(locs=[ids leaf..root], values=[...], labels=[...])]
        self.mappings = []       # [dict]
        self.locations = []      # [dict(id, mapping_id, address, lines=[(fid, line)], is_folded)]
        self.functions = []      # [dict(id, name, system_name, filename, start_line)]
        self.drop_frames = None
        self.keep_frames = None
        self.time_nanos = None
        self.duration_nanos = None
        self.period_type = None  # (type, unit)
        self.period = None
        self.comments = []
        self.default_sample_type = None
        # helpers for the name-based API
        self._fn_by_name = {}
        self._loc_by_key = {}
        self._next_loc = 1
        self._next_fn = 1

    # -- strings ------------------------------------------------------------
    def s(self, x):
        if x not in self._sidx:
            self._sidx[x] = len(self.strings)
            self.strings.append(x)
        return self._sidx[x]

    # -- low-level adders ---------------------------------------------------
    def add_mapping(self, id, filename="", start=0, limit=0, offset=0,
                    build_id="", has_functions=True, has_filenames=True,
                    has_line_numbers=True, has_inline_frames=True):
        self.mappings.append(dict(id=id, start=start, limit=limit, offset=offset,
                                  filename=filename, build_id=build_id,
                                  hf=has_functions, hfn=has_filenames,
                                  hl=has_line_numbers, hi=has_inline_frames))
        return id

    def add_function(self, name, filename="", system_name=None, start_line=0, id=None):
        if id is None:
            id = self._next_fn
        self._next_fn = max(self._next_fn, id + 1)
        self.functions.append(dict(id=id, name=name,
                                   system_name=name if system_name is None else system_name,
                                   filename=filename, start_line=start_line))
        return id

    def add_location(self, lines, mapping_id=0, address=0, id=None, is_folded=False):
        """lines: [(function_id, line)] innermost (inlined callee) first."""
        if id is None:
            id = self._next_loc
        self._next_loc = max(self._next_loc, id + 1)
        self.locations.append(dict(id=id, mapping_id=mapping_id, address=address,
                                   lines=list(lines), is_folded=is_folded))
        return id

    def add_sample(self, locs, values, labels=()):
        """locs: location ids, leaf first.  labels: [(key, str or None, num or None, unit or None)]."""
        self.samples.append(dict(locs=list(locs), values=list(values), labels=list(labels)))

    # -- name-based convenience API -----------------------------------------
    def fn(self, name, filename=None, start_line=0):
        """Function id for a name (created on first use)."""
        if name not in self._fn_by_name:
            if filename is None:
                pkg = name.split(".")[0] if "." in name else "main"
                filename = "/src/%s/%s.go" % (pkg, pkg)
            self._fn_by_name[name] = self.add_function(name, filename, start_line=start_line)
        return self._fn_by_name[name]

    def loc(self, *names, mapping_id=0):
        """Location id for a frame made of the given function names
        (innermost first; several names = inlined frames)."""
        k = (names, mapping_id)
        if k not in self._loc_by_key:
            lines = [(self.fn(n), 10 + i) for i, n in enumerate(names)]
            addr = 0x401000 + 0x10 * self._next_loc if mapping_id else 0
            self._loc_by_key[k] = self.add_location(lines, mapping_id=mapping_id, address=addr)
        return self._loc_by_key[k]

    def stack(self, *frames, mapping_id=0):
        """frames: leaf first; each is a name or a tuple of names (inlined frame)."""
        out = []
        for f in frames:
            if isinstance(f, tuple):
                out.append(self.loc(*f, mapping_id=mapping_id))
            else:
                out.append(self.loc(f, mapping_id=mapping_id))
        return out

    # -- encoding -----------------------------------------------------------
    def _vt(self, t, u):
        return f_varint(1, self.s(t)) + f_varint(2, self.s(u))

    def _sample(self, smp, packing):
        b = f_repeated(1, smp["locs"], packing)
        b += f_repeated(2, smp["values"], packing)
        for (k, sv, nv, unit) in smp["labels"]:
            lb = f_varint(1, self.s(k))
            if sv is not None:
                lb += f_varint(2, self.s(sv))
            if nv is not None:
                lb += f_varint(3, nv)
            if unit is not None:
                lb += f_varint(4, self.s(unit))
            b += f_bytes(3, lb)
        return b

    def _mapping(self, m):
        b = f_varint(1, m["id"])
        if m["start"]:
            b += f_varint(2, m["start"])
        if m["limit"]:
            b += f_varint(3, m["limit"])
        if m["offset"]:
            b += f_varint(4, m["offset"])
        b += f_varint(5, self.s(m["filename"]))
        if m["build_id"]:
            b += f_varint(6, self.s(m["build_id"]))
        for fld, flag in ((7, "hf"), (8, "hfn"), (9, "hl"), (10, "hi")):
            if m[flag]:
                b += f_varint(fld, 1)
        return b

    def _location(self, l):
        b = f_varint(1, l["id"])
        if l["mapping_id"]:
            b += f_varint(2, l["mapping_id"])
        if l["address"]:
            b += f_varint(3, l["address"])
        for (fid, line) in l["lines"]:
            lb = f_varint(1, fid)
            if line:
                lb += f_varint(2, line)
            b += f_bytes(4, lb)
        if l["is_folded"]:
            b += f_varint(5, 1)
        return b

    def _function(self, f):
        b = f_varint(1, f["id"])
        b += f_varint(2, self.s(f["name"]))
        b += f_varint(3, self.s(f["system_name"]))
        b += f_varint(4, self.s(f["filename"]))
        if f["start_line"]:
            b += f_varint(5, f["start_line"])
        return b

    def parts(self, packing="go"):
        """Top-level fields as a list of (name, bytes) in the canonical order.
        Interns every string first so that the string table is complete."""
        p = []
        for (t, u) in self.sample_types:
            p.append(("sample_type", f_bytes(1, self._vt(t, u))))
        for smp in self.samples:
            p.append(("sample", f_bytes(2, self._sample(smp, packing))))
        for m in self.mappings:
            p.append(("mapping", f_bytes(3, self._mapping(m))))
        for l in self.locations:
            p.append(("location", f_bytes(4, self._location(l))))
        for f in self.functions:
            p.append(("function", f_bytes(5, self._function(f))))
        tail = []
        if self.drop_frames is not None:
            tail.append(("drop_frames", f_varint(7, self.s(self.drop_frames))))
        if self.keep_frames is not None:
            tail.append(("keep_frames", f_varint(8, self.s(self.keep_frames))))
        if self.time_nanos is not None:
            tail.append(("time_nanos", f_varint(9, self.time_nanos)))
        if self.duration_nanos is not None:
            tail.append(("duration_nanos", f_varint(10, self.duration_nanos)))
        if self.period_type is not None:
            tail.append(("period_type", f_bytes(11, self._vt(*self.period_type))))
        if self.period is not None:
            tail.append(("period", f_varint(12, self.period)))
        if self.comments:
            tail.append(("comment", f_repeated(13, [self.s(c) for c in self.comments], packing)))
        if self.default_sample_type is not None:
            tail.append(("default_sample_type", f_varint(14, self.s(self.default_sample_type))))
        # the string table last: every string is interned by now
        strtab = [("string_table", b"".join(f_bytes(6, x) for x in self.strings))]
        return p + strtab + tail

    def encode(self, packing="go"):
        return b"".join(b for _, b in self.parts(packing))


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


# ---------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------

OUT = None


def write(rel, data):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_gz(rel, prof_or_bytes, packing="go"):
    data = prof_or_bytes if isinstance(prof_or_bytes, bytes) else prof_or_bytes.encode(packing)
    write(rel, gz(data))


HEAP_TYPES = [("alloc_objects", "count"), ("alloc_space", "bytes"),
              ("inuse_objects", "count"), ("inuse_space", "bytes")]
CPU_TYPES = [("samples", "count"), ("cpu", "nanoseconds")]

T0 = 1700000000123456789  # Nov 14, 2023 at 10:13pm (UTC)


def heap_profile(binary="/usr/local/bin/app"):
    p = Profile()
    p.sample_types = list(HEAP_TYPES)
    p.period_type = ("space", "bytes")
    p.period = 524288
    p.time_nanos = T0
    if binary:
        p.add_mapping(1, binary, start=0x400000, limit=0x800000, build_id="")
    return p


def cpu_profile(binary="/usr/local/bin/app"):
    p = Profile()
    p.sample_types = list(CPU_TYPES)
    p.period_type = ("cpu", "nanoseconds")
    p.period = 10000000
    p.time_nanos = T0
    p.duration_nanos = 3_000_000_000
    if binary:
        p.add_mapping(1, binary, start=0x400000, limit=0x800000)
    return p


# ---------------------------------------------------------------------------
# Valid edge cases
# ---------------------------------------------------------------------------


def mk_inline():
    """Locations with several lines (inlined frames).

    main.tiny is always inlined ("(inline)"); main.helper is inlined in some
    callers and called normally from main.main ("(partial-inline)");
    main.mixed has a normal in-edge and an inline in-edge so light (below the
    edge cut-off, 0.1% of the total) that pprof drops that edge and prints no
    label at all."""
    p = cpu_profile("/usr/local/bin/inlineapp")
    p.add_mapping(2, "/usr/lib/x86_64-linux-gnu/libc.so.6", start=0x7f0000000000, limit=0x7f0000100000)
    M = 1
    L = lambda *n: p.loc(*n, mapping_id=M)
    # location with three lines: tiny inlined into helper inlined into run
    s1 = [L("main.tiny", "main.helper", "main.run"), L("main.main"), L("runtime.main")]
    s2 = [L("main.helper", "main.other"), L("main.main"), L("runtime.main")]
    s3 = [L("main.helper"), L("main.main"), L("runtime.main")]
    s4 = [L("main.run"), L("main.main"), L("runtime.main")]
    s5 = [L("main.mixed"), L("main.main"), L("runtime.main")]
    s6 = [L("main.mixed", "main.other"), L("main.main"), L("runtime.main")]
    # a location whose lines include an inlined call chain into a library-less frame
    s7 = [L("strings.Index", "main.parse"), L("main.run"), L("main.main"), L("runtime.main")]
    ms = 1_000_000
    p.add_sample(s1, [120, 120 * 10 * ms])
    p.add_sample(s2, [40, 40 * 10 * ms])
    p.add_sample(s3, [25, 25 * 10 * ms])
    p.add_sample(s4, [10, 10 * 10 * ms])
    p.add_sample(s5, [30, 30 * 10 * ms])
    p.add_sample(s6, [0, 1 * ms // 2])  # 0.05ms: below edge cut-off; samples=0
    p.add_sample(s7, [15, 15 * 10 * ms])
    return p


def mk_nolines_mapping():
    """Locations without lines inside mappings: shown as [basename].
    The first mapping in the file is the shared library (File: libfoo.so)."""
    p = cpu_profile(None)
    # Mapping order in the file: id 2 first (File: header uses the first).
    p.add_mapping(2, "/usr/lib/libfoo.so", start=0x7f1000000000, limit=0x7f1000200000,
                  build_id="f00dbeef", has_functions=False, has_filenames=False,
                  has_line_numbers=False, has_inline_frames=False)
    p.add_mapping(1, "/usr/bin/app", start=0x400000, limit=0x800000, build_id="app-build-1")
    p.add_mapping(3, "/lib/x86_64-linux-gnu/libc.so.6", start=0x7f2000000000, limit=0x7f2000200000,
                  has_functions=False, has_filenames=False, has_line_numbers=False,
                  has_inline_frames=False)
    p.add_mapping(4, "/tmp/libbar.so (deleted)", start=0x7f3000000000, limit=0x7f3000010000,
                  has_functions=False)
    main_ = p.add_location([(p.fn("main.main"), 20)], mapping_id=1, address=0x401000)
    work = p.add_location([(p.fn("main.work"), 30)], mapping_id=1, address=0x401100)
    rt = p.add_location([(p.fn("runtime.main"), 250)], mapping_id=1, address=0x402000)
    foo1 = p.add_location([], mapping_id=2, address=0x7f1000001000)
    foo2 = p.add_location([], mapping_id=2, address=0x7f1000002000)  # same node as foo1
    libc = p.add_location([], mapping_id=3, address=0x7f2000003000)
    bar = p.add_location([], mapping_id=4, address=0x7f3000000100)
    ms = 1_000_000
    p.add_sample([foo1, work, main_, rt], [50, 500 * ms])
    p.add_sample([foo2, foo1, work, main_, rt], [30, 300 * ms])
    p.add_sample([libc, foo2, main_, rt], [20, 200 * ms])
    p.add_sample([libc, work, main_, rt], [10, 100 * ms])
    p.add_sample([bar, main_, rt], [5, 50 * ms])
    p.add_sample([work, main_, rt], [15, 150 * ms])
    return p


def mk_nomapping():
    """No mapping at all: locations without lines become <unknown>."""
    p = cpu_profile(None)
    main_ = p.add_location([(p.fn("main.main"), 20)])
    work = p.add_location([(p.fn("main.work"), 30)])
    u1 = p.add_location([], address=0xdead0000)
    u2 = p.add_location([], address=0xbeef0000)  # merges with u1 (address ignored)
    u3 = p.add_location([])                     # no address either
    ms = 1_000_000
    p.add_sample([u1, work, main_], [40, 400 * ms])
    p.add_sample([u2, u1, main_], [30, 300 * ms])
    p.add_sample([u3, u2], [20, 200 * ms])
    p.add_sample([work, u3], [10, 100 * ms])
    p.add_sample([work, main_], [25, 250 * ms])
    return p


def mk_unknownmapping():
    """A location names mapping id 7, which does not exist (tolerated by pprof:
    treated as no mapping)."""
    p = cpu_profile("/usr/bin/app")
    main_ = p.add_location([(p.fn("main.main"), 20)], mapping_id=1, address=0x401000)
    ghost = p.add_location([], mapping_id=7, address=0x9000)
    ghost2 = p.add_location([(p.fn("main.ghost"), 5)], mapping_id=7, address=0x9100)
    ms = 1_000_000
    p.add_sample([ghost, main_], [10, 100 * ms])
    p.add_sample([ghost2, main_], [5, 50 * ms])
    p.add_sample([main_], [3, 30 * ms])
    return p


def mk_emptyname():
    """Functions with an empty name.

    - fid_e0: empty name, start_line 0, in /opt/app/bin/server: shown as
      [server] and merged with the line-less location of the same mapping
      and with fid_sys (empty name, only a system_name: not used).
    - fid_e42: empty name, start_line 42, same mapping: a DIFFERENT node that
      is also printed [server] (pprof's node key keeps start_line for
      nameless functions).  Both [server] nodes have flat 250ms: the tie
      is broken by cum (300ms first).
    - fid_en: empty name in a location without mapping: <unknown>."""
    p = cpu_profile("/opt/app/bin/server")
    fid_main = p.add_function("main.main", "/src/main.go")
    fid_e0 = p.add_function("", "/src/a.go", system_name="")
    fid_e42 = p.add_function("", "/src/b.go", system_name="", start_line=42)
    fid_en = p.add_function("", "", system_name="")
    fid_sys = p.add_function("", "/src/c.go", system_name="sys_only_name")
    fid_callee = p.add_function("main.callee", "/src/main.go")
    main_ = p.add_location([(fid_main, 5)], mapping_id=1, address=0x401000)
    e0 = p.add_location([(fid_e0, 7)], mapping_id=1, address=0x402000)
    nolines = p.add_location([], mapping_id=1, address=0x403000)
    e42 = p.add_location([(fid_e42, 50)], mapping_id=1, address=0x404000)
    en = p.add_location([(fid_en, 1)], address=0x405000)
    sysn = p.add_location([(fid_sys, 3)], mapping_id=1, address=0x406000)
    callee = p.add_location([(fid_callee, 9)], mapping_id=1, address=0x407000)
    ms = 1_000_000
    # [server] (start_line 0): flat 100+100+50 = 250ms, cum 300ms
    p.add_sample([e0, main_], [10, 100 * ms])
    p.add_sample([nolines, main_], [10, 100 * ms])
    p.add_sample([sysn, main_], [5, 50 * ms])
    p.add_sample([callee, e0, main_], [5, 50 * ms])
    # [server] (start_line 42): flat 250ms, cum 250ms -> same flat and name, sorted by cum
    p.add_sample([e42, main_], [25, 250 * ms])
    p.add_sample([en, main_], [15, 150 * ms])
    p.add_sample([main_], [5, 50 * ms])
    return p


def mk_zero_values():
    """Samples whose default value (cpu) is 0 but whose samples count is not.
    With the default index they are skipped: main.onlyzero disappears.
    duration_nanos is set: with -sample_index=samples (a count) the Duration
    line ends with 'Total samples = N ' (trailing space, no ratio)."""
    p = cpu_profile("/usr/local/bin/app")
    p.duration_nanos = 5_000_000_000
    ms = 1_000_000
    s = lambda *f: p.stack(*f, mapping_id=1)
    p.add_sample(s("main.a", "main.main"), [10, 100 * ms])
    p.add_sample(s("main.b", "main.main"), [5, 0])
    p.add_sample(s("main.onlyzero", "main.b", "main.main"), [7, 0])
    p.add_sample(s("main.c", "main.main"), [0, 50 * ms])
    p.add_sample(s("main.main"), [0, 0])
    p.add_sample(s("main.a", "main.c", "main.main"), [3, 30 * ms])
    return p


def mk_allzero():
    """Every sample is zero for every type: total 0."""
    p = cpu_profile("/usr/local/bin/app")
    s = lambda *f: p.stack(*f, mapping_id=1)
    p.add_sample(s("main.a", "main.main"), [0, 0])
    p.add_sample(s("main.b", "main.main"), [0, 0])
    return p


def mk_nosamples():
    """Sample types, functions and locations but no samples."""
    p = heap_profile("/usr/local/bin/app")
    p.stack("main.a", "main.main", mapping_id=1)
    return p


def mk_empty_stack():
    """Samples with no location at all: they count in the total only."""
    p = heap_profile("/usr/local/bin/app")
    s = lambda *f: p.stack(*f, mapping_id=1)
    p.add_sample(s("main.alloc", "main.main"), [10, 4096, 5, 2048])
    p.add_sample(s("main.other", "main.main"), [3, 1024, 2, 512])
    p.add_sample([], [100, 1000, 50, 1536])
    p.add_sample([], [0, 0, 0, 0])
    p.add_sample([], [1, 8, 1, 8])
    return p


def mk_negative():
    """Negative values, like a delta (-base or ?seconds=N) profile.

    The node cut-off is |sum of signed flats| * 0.005 while the 'Dropped'
    line prints |total of absolute values| * 0.005; main.mid20 (cum 20) is
    kept although the header says 'cum <= 29B'.  main.cancel has +100 and
    -100: cum 0, flat 0, so it vanishes."""
    p = Profile()
    p.sample_types = [("inuse_objects", "count"), ("inuse_space", "bytes")]
    p.period_type = ("space", "bytes")
    p.period = 524288
    p.time_nanos = T0
    p.add_mapping(1, "/usr/local/bin/app", start=0x400000, limit=0x800000)
    s = lambda *f: p.stack(*f, mapping_id=1)
    p.add_sample(s("main.shrink", "main.main"), [-4, -4096])
    p.add_sample(s("main.grow", "main.main"), [1, 1024])
    p.add_sample(s("main.shrink2", "main.grow", "main.main"), [-1, -512])
    p.add_sample(s("main.small", "main.main"), [1, 280])
    p.add_sample(s("main.mid20", "main.main"), [1, 20])
    p.add_sample(s("main.tiny10", "main.main"), [1, 10])
    p.add_sample(s("main.cancel", "main.grow", "main.main"), [1, 100])
    p.add_sample(s("main.cancel", "main.shrink", "main.main"), [-1, -100])
    # total |v| = 4096+1024+512+280+20+10+100+100 = 6142 -> label cum <= 30B
    # flat sum  = -4096+1024-512+280+20+10 = -3274 -> cut-off 16
    return p


def mk_units():
    """Contention-like profile: ("contentions","count"), ("delay","nanoseconds"),
    default_sample_type "delay"; period_type, period, duration, time and
    comments (the ones starting with '#' are not shown)."""
    p = Profile()
    p.sample_types = [("contentions", "count"), ("delay", "nanoseconds")]
    p.default_sample_type = "delay"
    p.period_type = ("contentions", "count")
    p.period = 1
    p.time_nanos = T0
    p.duration_nanos = 10_500_000_000
    p.comments = ["# this comment is hidden", "contention profile built by edgecases.py"]
    p.add_mapping(1, "/usr/local/bin/locker", start=0x400000, limit=0x800000, build_id="0123456789abcdef")
    s = lambda *f: p.stack(*f, mapping_id=1)
    p.add_sample(s("sync.(*Mutex).Unlock", "main.worker", "main.main"), [120, 250_000_000])
    p.add_sample(s("sync.(*Mutex).Unlock", "main.flush", "main.main"), [30, 75_000_000])
    p.add_sample(s("sync.(*RWMutex).RUnlock", "main.reader", "main.main"), [400, 12_500_000])
    p.add_sample(s("runtime.chansend1", "main.producer", "main.main"), [7, 3_000_000])
    return p


def mk_units_custom():
    """A sample type with a unit pprof does not know ("widgets"): values
    print with the unit name appended; plus ("events","count")."""
    p = Profile()
    p.sample_types = [("events", "count"), ("things", "widgets")]
    p.time_nanos = T0
    p.duration_nanos = 2_000_000_000
    p.add_mapping(1, "/usr/local/bin/factory", start=0x400000, limit=0x800000)
    s = lambda *f: p.stack(*f, mapping_id=1)
    p.add_sample(s("main.assemble", "main.main"), [3, 1500])
    p.add_sample(s("main.paint", "main.main"), [2, 250])
    p.add_sample(s("main.pack", "main.assemble", "main.main"), [1, 25])
    return p


def mk_comments():
    """Comment edge cases: hidden '#...', shown ' #...' (leading space),
    an empty comment (prints an empty header line), a two-line comment."""
    p = heap_profile("/usr/local/bin/app")
    p.comments = ["#hidden", " # shown: leading space", "", "first line\nsecond line", "last"]
    s = lambda *f: p.stack(*f, mapping_id=1)
    p.add_sample(s("main.alloc", "main.main"), [1, 512, 1, 512])
    return p


def mk_recursion():
    """Direct, mutual and indirect recursion; inlined self-recursion."""
    p = cpu_profile("/usr/local/bin/recurse")
    s = lambda *f: p.stack(*f, mapping_id=1)
    ms = 1_000_000
    # direct recursion, depth 5
    p.add_sample(s("main.rec", "main.rec", "main.rec", "main.rec", "main.rec", "main.main", "runtime.main"),
                 [50, 500 * ms])
    p.add_sample(s("main.leaf", "main.rec", "main.rec", "main.main", "runtime.main"), [20, 200 * ms])
    # mutual recursion even/odd
    p.add_sample(s("main.even", "main.odd", "main.even", "main.odd", "main.even", "main.main", "runtime.main"),
                 [30, 300 * ms])
    p.add_sample(s("main.odd", "main.even", "main.odd", "main.even", "main.main", "runtime.main"),
                 [25, 250 * ms])
    # indirect: helper and work repeated non-adjacently
    p.add_sample(s("main.helper", "main.work", "main.helper", "main.work", "main.main", "runtime.main"),
                 [15, 150 * ms])
    # inlined self-recursion inside one location, then the same function again
    p.add_sample(s(("main.walk", "main.walk"), "main.walk", "main.main", "runtime.main"), [10, 100 * ms])
    # recursion where the leaf also appears higher up
    p.add_sample(s("main.rec", "main.leaf", "main.rec", "main.main", "runtime.main"), [5, 50 * ms])
    # a deep stack: 64 frames alternating three functions
    deep = ["main.d%d" % (i % 3) for i in range(64)] + ["main.main", "runtime.main"]
    p.add_sample(s(*deep), [8, 80 * ms])
    return p


def mk_ties():
    """Identical flat values: ordered by name (byte order), then cum.
    Many tiny nodes: 'Dropped N nodes (cum <= X)'."""
    p = Profile()
    p.sample_types = [("objects", "count"), ("space", "bytes")]
    p.time_nanos = T0
    p.add_mapping(1, "/usr/local/bin/ties", start=0x400000, limit=0x800000)
    s = lambda *f: p.stack(*f, mapping_id=1)
    # flat 1000 each; names chosen to test byte order (upper < lower, '(' < '.', UTF-8 last)
    for name in ["main.beta", "main.Alpha", "main.alpha", "main.(*T).m", "main.T.m", "main.café", "main.caff"]:
        p.add_sample(s(name, "main.caller1", "main.main"), [1, 1000])
    # flat 500 ties where cum differs: names differ so name decides
    p.add_sample(s("pkg.zz", "main.main"), [1, 500])
    p.add_sample(s("pkg.aa", "main.main"), [1, 500])
    p.add_sample(s("pkg.child", "pkg.zz", "main.main"), [1, 300])
    # flat-0 nodes with identical cum (caller2a/caller2b) -> by name
    p.add_sample(s("pkg.x", "main.caller2b", "main.main"), [1, 700])
    p.add_sample(s("pkg.y", "main.caller2a", "main.main"), [1, 700])
    # 40 tiny leaves, each far below 0.5% of the total
    for i in range(40):
        p.add_sample(s("tiny.f%02d" % i, "main.tinycaller", "main.main"), [1, 3])
    # a filler so that the total lands in [10000, 10200): cut-off 50
    p.add_sample(s("main.filler", "main.main"), [1, 100])
    # exactly at the cut-off (kept: dropped only when cum < cut-off) and one below
    p.add_sample(s("edge.atcut", "main.main"), [1, 50])
    p.add_sample(s("edge.belowcut", "main.main"), [1, 49])
    total = sum(abs(smp["values"][1]) for smp in p.samples)
    assert int(total * 0.005) == 50, total
    return p


def mk_dropone():
    """Exactly one node dropped: 'Dropped 1 node (cum <= X)'."""
    p = cpu_profile("/usr/local/bin/app")
    s = lambda *f: p.stack(*f, mapping_id=1)
    ms = 1_000_000
    p.add_sample(s("main.big", "main.main"), [600, 6000 * ms])
    p.add_sample(s("main.medium", "main.main"), [390, 3900 * ms])
    p.add_sample(s("main.small", "main.main"), [9, 90 * ms])
    p.add_sample(s("main.verysmall", "main.small", "main.main"), [1, 10 * ms])
    return p


def mk_samename():
    """Two functions (different ids, files, start lines, system names, even
    mappings) with the same name: one node."""
    p = cpu_profile("/usr/local/bin/app")
    p.add_mapping(2, "/usr/local/lib/plugin.so", start=0x7f0000000000, limit=0x7f0000100000)
    f_main = p.add_function("main.main", "/src/main.go", start_line=10)
    f_h1 = p.add_function("main.handler", "/src/a/handler.go", system_name="main.handler", start_line=5)
    f_h2 = p.add_function("main.handler", "/src/b/handler.go", system_name="main.handler·1", start_line=99)
    f_x = p.add_function("main.work", "/src/a/work.go", start_line=1)
    l_main = p.add_location([(f_main, 12)], mapping_id=1, address=0x401000)
    l_h1 = p.add_location([(f_h1, 6)], mapping_id=1, address=0x402000)
    l_h2 = p.add_location([(f_h2, 100)], mapping_id=2, address=0x7f0000001000)
    l_h2b = p.add_location([(f_h2, 101)], mapping_id=2, address=0x7f0000001010)
    l_x = p.add_location([(f_x, 2)], mapping_id=1, address=0x403000)
    ms = 1_000_000
    p.add_sample([l_h1, l_main], [40, 400 * ms])
    p.add_sample([l_h2, l_main], [35, 350 * ms])
    p.add_sample([l_x, l_h2b, l_h1, l_main], [25, 250 * ms])  # handler twice in one stack
    return p


def mk_basic(binary="/usr/local/bin/app"):
    """A small ordinary heap profile (used for raw.pb, multimember, bad/*)."""
    p = heap_profile(binary)
    s = lambda *f: p.stack(*f, mapping_id=1)
    p.add_sample(s("main.alloc", "main.handle", "main.main", "runtime.main"), [100, 102400, 10, 10240])
    p.add_sample(s("encoding/json.Unmarshal", "main.handle", "main.main", "runtime.main"),
                 [400, 819200, 40, 81920])
    p.add_sample(s("bytes.growSlice", "bytes.(*Buffer).Write", "main.handle", "main.main", "runtime.main"),
                 [50, 1638400, 5, 163840])
    p.add_sample(s("main.init", "runtime.main"), [1, 8192, 1, 8192])
    return p


def packed_unpacked_bytes():
    """Same content as mk_basic-like profile but with a hostile layout:
    string_table first, sample_type last, repeated scalars mixing packed and
    unpacked (even inside one sample), messages interleaved, and unknown
    fields of every wire type (which readers must skip)."""
    p = heap_profile("/usr/local/bin/app")
    s = lambda *f: p.stack(*f, mapping_id=1)
    p.add_sample(s("main.a", "main.b", "main.c", "main.main"), [1, 100, 1, 100])
    p.add_sample(s("main.b", "main.c", "main.main"), [2, 200, 2, 200])
    p.add_sample(s("main.c", "main.main"), [3, 300, 3, 300])
    p.add_sample(s("main.a", "main.main"), [4, 400, 4, 400])
    p.comments = ["packed/unpacked"]
    parts = p.parts("go")  # interns all strings
    # Re-encode samples with different packings.
    packings = ["packed", "unpacked", "split", "unpacked"]
    samples = [f_bytes(2, p._sample(smp, pk)) for smp, pk in zip(p.samples, packings)]
    # Unknown fields inside a sample message: field 15 varint, 16 fixed64, 17 fixed32, 18 bytes.
    unknown = (f_varint(15, 12345) + key(16, WT_I64) + b"\x01\x02\x03\x04\x05\x06\x07\x08"
               + key(17, WT_I32) + b"\xaa\xbb\xcc\xdd" + f_bytes(18, b"ignored"))
    extra_sample = f_bytes(2, unknown + p._sample(dict(locs=s("main.c", "main.main"),
                                                       values=[5, 500, 5, 500], labels=[]), "packed"))
    by = {}
    for name, b in parts:
        by.setdefault(name, []).append(b)
    # Location with a line carrying a column (field 3, newer than Go 1.19's reader) and is_folded.
    fid = p.fn("main.col")
    extra_loc_id = 900
    extra_loc = f_bytes(4, f_varint(1, extra_loc_id) + f_varint(2, 1) + f_varint(3, 0x401900)
                        + f_bytes(4, f_varint(1, fid) + f_varint(2, 7) + f_varint(3, 3))
                        + f_varint(5, 0))
    sample_col = f_bytes(2, f_unpacked(1, [extra_loc_id, s("main.main")[0]]) + f_unpacked(2, [6, 600, 6, 600]))
    # function table re-encoded now that main.col exists
    by["function"] = [f_bytes(5, p._function(f)) for f in p.functions]
    strtab = b"".join(f_bytes(6, x) for x in p.strings)
    out = b""
    out += strtab                                  # string table first
    out += f_varint(99, 7) + f_bytes(100, b"unknown top-level field")
    out += by["function"][0]
    out += samples[0]
    out += b"".join(by["location"][:2])
    out += samples[1] + samples[2]
    out += b"".join(by["function"][1:])
    out += b"".join(by["location"][2:]) + extra_loc
    out += by["mapping"][0]
    out += samples[3] + extra_sample + sample_col
    out += b"".join(by["time_nanos"] + by["period"] + by["period_type"] + by["comment"])
    out += f_bytes(15, "https://example.com/doc")  # doc_url (unknown to Go 1.19's reader)
    out += b"".join(by["sample_type"])             # sample types last
    return out


def mk_units_bytes_small():
    """Byte units in the B / kB range.  Sample types (all bytes):
    tiny_space  -> everything in B
    kilo_space  -> kB
    rule100_space: smallest shown flat 20B, total ~5MB: the smallest*100
                   rule picks kB (0.02kB)
    norule_space: smallest 900B, total 50000B: 900*100 >= total, unit B
                   (default: last type)"""
    p = Profile()
    p.sample_types = [("tiny_space", "bytes"), ("kilo_space", "bytes"),
                      ("rule100_space", "bytes"), ("norule_space", "bytes")]
    p.time_nanos = T0
    p.add_mapping(1, "/usr/local/bin/app", start=0x400000, limit=0x800000)
    s = lambda *f: p.stack(*f, mapping_id=1)
    A = s("main.leafA", "main.mid", "main.main")
    B = s("main.mid", "main.main")
    C = s("main.leafC", "main.main")
    D = s("main.main")
    p.add_sample(A, [500, 300000, 5000000, 40000])
    p.add_sample(B, [3, 1024, 20, 900])
    p.add_sample(C, [200, 40000, 300000, 8000])
    p.add_sample(D, [1, 2048, 0, 1100])
    return p


def mk_units_bytes_big():
    """Byte units MB, GB, TB, PB (one sample type per unit); the default
    (last) type exa_space has values of 2^59..2^61 bytes: still PB."""
    p = Profile()
    p.sample_types = [("mega_space", "bytes"), ("giga_space", "bytes"),
                      ("tera_space", "bytes"), ("peta_space", "bytes"),
                      ("exa_space", "bytes")]
    p.time_nanos = T0
    p.add_mapping(1, "/usr/local/bin/app", start=0x400000, limit=0x800000)
    s = lambda *f: p.stack(*f, mapping_id=1)
    MB, GB, TB, PB = 1 << 20, 1 << 30, 1 << 40, 1 << 50
    A = s("main.leafA", "main.mid", "main.main")
    B = s("main.mid", "main.main")
    C = s("main.leafC", "main.main")
    p.add_sample(A, [49 * MB + 629146, 3 * GB, 7 * TB + 5 * GB, 2 * PB, 1 << 61])
    p.add_sample(B, [2 * MB, 2 * GB, 2 * TB, 3 * PB, 1 << 59])
    p.add_sample(C, [1 * MB, 1 * GB + 512 * MB, 1 * TB, 1 * PB + 1, (1 << 61) + (1 << 60) + 12345])
    return p


def mk_units_time():
    """Time units ns, us, ms, s, hrs (one type per range, all nanoseconds),
    plus types in microseconds and seconds (unit conversion on input).
    Time is 00:05 UTC to test the 12-hour clock ('12:05am')."""
    p = Profile()
    p.sample_types = [("t_ns", "nanoseconds"), ("t_us", "nanoseconds"), ("t_ms", "nanoseconds"),
                      ("t_s", "nanoseconds"), ("t_hrs", "nanoseconds"),
                      ("t_in_us", "microseconds"), ("t_in_s", "seconds")]
    p.time_nanos = 1709597100_000000000  # Mar 5, 2024 00:05:00 UTC
    p.duration_nanos = 7200_000_000_000  # 2 hours
    p.period_type = ("cpu", "nanoseconds")
    p.period = 1000
    p.add_mapping(1, "/usr/local/bin/app", start=0x400000, limit=0x800000)
    s = lambda *f: p.stack(*f, mapping_id=1)
    A = s("main.leafA", "main.mid", "main.main")
    B = s("main.mid", "main.main")
    C = s("main.leafC", "main.main")
    H = 3600 * 10**9
    p.add_sample(A, [700, 250_000, 300_000_000, 45 * 10**9, 5 * H, 1500, 90])
    p.add_sample(B, [50, 3_000, 1_500_000, 2 * 10**9 + 500_000_000, 2 * H, 20, 3])
    p.add_sample(C, [250, 80_000, 40_000_000, 10 * 10**9, 3 * H + 1, 480, 7200])
    return p


def mk_labels(which):
    """Heap-like profiles with a numeric label 'bytes' (like Go's heap
    profile) and one string label; samples with identical stacks but
    different labels stay distinct and are matched by -base on stack+labels.

      stack/labels         a                     b
      S1 bytes=16          [10,160,5,80]         same          -> cancels, vanishes
      S1 bytes=32          [4,128,2,64]          [8,256,6,192]
      S2 bytes=1024        [3,3072,3,3072]       [1,1024,1,1024]
      S3 bytes=64          [2,128,2,128]         absent
      S4 bytes=48          absent                [5,240,5,240]
      S2 bytes=1024,region=eu  [1,1024,1,1024]   same          -> cancels
      S2 bytes=1024,region=us  absent            [1,1024,1,1024]
    """
    p = heap_profile("/usr/local/bin/app")
    p.time_nanos = T0 if which == "a" else T0 + 15 * 10**9
    s = lambda *f: p.stack(*f, mapping_id=1)
    S1 = s("main.newSmall", "main.handle", "main.main")
    S2 = s("main.newBig", "main.handle", "main.main")
    S3 = s("main.newMid", "main.main")
    S4 = s("main.newOther", "main.main")
    b = lambda n: ("bytes", None, n, None)
    if which == "a":
        p.add_sample(S1, [10, 160, 5, 80], [b(16)])
        p.add_sample(S1, [4, 128, 2, 64], [b(32)])
        p.add_sample(S2, [3, 3072, 3, 3072], [b(1024)])
        p.add_sample(S3, [2, 128, 2, 128], [b(64)])
        p.add_sample(S2, [1, 1024, 1, 1024], [b(1024), ("region", "eu", None, None)])
    else:
        p.add_sample(S1, [10, 160, 5, 80], [b(16)])
        p.add_sample(S1, [8, 256, 6, 192], [b(32)])
        p.add_sample(S2, [1, 1024, 1, 1024], [b(1024)])
        p.add_sample(S4, [5, 240, 5, 240], [b(48)])
        p.add_sample(S2, [1, 1024, 1, 1024], [b(1024), ("region", "eu", None, None)])
        p.add_sample(S2, [1, 1024, 1, 1024], [b(1024), ("region", "us", None, None)])
    return p


def mk_views(which="new"):
    """A profile for pprof's views and filters (-lines, -files, -addresses,
    -focus, -ignore, -hide, -show, -show_from, -tagfocus, -tagignore):
    source paths pprof cleans and trims (/proc/self/cwd/, "..", "//"),
    two functions of one file with different start lines (separate -files
    nodes), names users match with \\b, \\d and (?i), an inlined chain,
    recursion, drop_frames cutting a partly inlined location, string
    labels, and numeric labels with and without units.  "base" is the
    earlier run -diff_base and -normalize compare it with."""
    p = heap_profile("/usr/local/bin/viewapp")
    p.time_nanos = T0 if which == "base" else T0 + 60 * 10**9
    p.drop_frames = "runtime\\.mallocgc|runtime\\.newobject"
    F = {}

    def fn(name, filename, start=0):
        if name not in F:
            F[name] = p.add_function(name, filename, start_line=start)
        return F[name]

    fn("runtime.main", "/usr/lib/go/src/runtime/proc.go", 200)
    fn("main.main", "/proc/self/cwd/./cmd/app/main.go", 20)
    fn("main.(*List).Get", "/build/src/app/../app/list.go", 10)
    fn("main.ListAll", "/build/src/app//list.go", 40)
    fn("main.list2", "/build/src/app/list.go", 70)
    fn("k8s.io/kube-openapi/pkg/handler.(*OpenAPIService).Schema",
       "/go/pkg/mod/k8s.io/kube-openapi/pkg/handler/handler.go", 90)
    fn("encoding/json.Unmarshal", "/usr/lib/go/src/encoding/json/decode.go", 95)
    fn("encoding/json.(*decodeState).object", "/usr/lib/go/src/encoding/json/decode.go", 600)
    fn("main.recurse", "/proc/self/cwd/cmd/app/rec.go", 5)
    fn("runtime.mallocgc", "/usr/lib/go/src/runtime/malloc.go", 900)
    fn("runtime.newobject", "/usr/lib/go/src/runtime/malloc.go", 1190)
    fn("main.handle2xx", "relative/./dir/h.go", 1)
    loc_ids = {}

    def loc(lines, address):
        key = tuple(lines)
        if key not in loc_ids:
            loc_ids[key] = p.add_location([(F[n], ln) for n, ln in lines], mapping_id=1,
                                          address=address)
        return loc_ids[key]

    rt = loc([("runtime.main", 250)], 0x401000)
    mm = loc([("main.main", 31)], 0x401100)
    mm2 = loc([("main.main", 35)], 0x401108)
    get = loc([("main.(*List).Get", 12)], 0x401200)
    alloc = loc([("main.ListAll", 44)], 0x401300)
    l2 = loc([("main.list2", 71)], 0x401400)
    # json decoding inlined into the OpenAPI handler, malloc below it
    schema = loc([("encoding/json.(*decodeState).object", 610), ("encoding/json.Unmarshal", 99),
                  ("k8s.io/kube-openapi/pkg/handler.(*OpenAPIService).Schema", 93)], 0x401500)
    # drop_frames matches the inner line only: the location keeps its caller
    partly = loc([("runtime.mallocgc", 950), ("main.list2", 73)], 0x401600)
    malloc = loc([("runtime.newobject", 1192)], 0x401700)
    rec = loc([("main.recurse", 7)], 0x401800)
    h2 = loc([("main.handle2xx", 3)], 0x401900)
    b = lambda n: ("bytes", None, n, None)
    h = lambda v: ("handler", v, None, None)
    kb = lambda n: ("size", None, n, "kilobytes")
    m = 1 if which == "new" else 2
    samples = [
        ([get, mm, rt], [4, 4096, 2, 2048], [b(1024), h("api")]),
        ([alloc, mm, rt], [8 * m, 65536 * m, 8, 65536], [b(8192), h("web")]),
        ([l2, alloc, mm, rt], [3, 96, 3, 96], [b(32)]),
        ([malloc, partly, mm2, rt], [2, 4096, 1, 2048], [b(2048), kb(2)]),
        ([malloc, schema, mm, rt], [50 * m, 51200 * m, 40, 40960], [b(1024), h("api")]),
        ([schema, mm2, rt], [10, 5120, 10, 5120], [b(512), h("api"), kb(1)]),
        ([rec, rec, rec, mm, rt], [6, 1536, 6, 1536], [b(256)]),
        ([rec, mm, rt], [1, 256, 1, 256], [b(256), h("web")]),
        ([h2, mm, rt], [1, 16, 0, 0], [b(16)]),
        ([get, mm2, rt], [-2, -2048, -1, -1024], [b(1024)]),
        ([rt], [0, 0, 1, 64], []),
    ]
    if which == "base":
        samples = samples[1:] + [([l2, mm, rt], [7, 700, 7, 700], [b(100)])]
    for locs, values, labels in samples:
        p.add_sample(locs, values, labels)
    return p


def mk_nulnames():
    """Names are byte strings: two functions that differ only after a NUL
    stay two nodes and print with the NUL, as pprof prints them; a name
    that starts with NUL is a name, not a nameless frame; a NUL in a file
    name shows with -lines and -files; a NUL in the binary's file name and
    in a comment shows in the header."""
    p = heap_profile("/usr/local/bin/nul\0app")
    p.comments = ["a\0comment"]
    a = p.add_function("main.a\0b", "/src/a.go")
    b = p.add_function("main.a\0c", "/src/a.go")
    lead = p.add_function("\0lead", "/src/a\0.go")
    mm = p.add_function("main.main", "/src/main.go")
    la = p.add_location([(a, 3)], 1, 0x401000)
    lb = p.add_location([(b, 4)], 1, 0x401010)
    ll = p.add_location([(lead, 5)], 1, 0x401020)
    lm = p.add_location([(mm, 6)], 1, 0x401030)
    p.add_sample([la, lm], [1, 100, 1, 100])
    p.add_sample([lb, lm], [2, 200, 2, 200])
    p.add_sample([ll, lm], [3, 300, 3, 300])
    p.add_sample([lb, la, lm], [1, 100, 1, 100])
    return p


# ---------------------------------------------------------------------------
# Invalid profiles (pprof must reject them)
# ---------------------------------------------------------------------------


def invalid_profiles():
    out = {}

    # string_table[0] is not ""
    p = mk_basic()
    p.strings[0] = "notempty"
    p._sidx = {v: i for i, v in enumerate(p.strings)}
    # encode() would re-intern "" at a new index; build the bytes by hand
    parts = p.parts()
    out["strtab0"] = b"".join(b for _, b in parts)

    # a string index out of range (a function name)
    p = mk_basic()
    data = p.encode()
    n = len(p.strings)
    p.functions[0]["name"] = "\x00placeholder"  # interned at index n
    data = p.encode()
    # drop the placeholder string from the table so that index n is out of range
    data = data.replace(f_bytes(6, "\x00placeholder"), b"")
    out["strindex"] = data

    # location id 0
    p = mk_basic()
    p.locations[0]["id"] = 0
    for smp in p.samples:
        smp["locs"] = [0 if x == 1 else x for x in smp["locs"]]
    out["locid0"] = p.encode()

    # duplicate function ids (an extra function re-uses id 1; every
    # reference stays resolvable, so the duplicate itself is the error)
    p = mk_basic()
    p.add_function("main.dup", "/src/dup.go", id=p.functions[0]["id"])
    out["dupfunc"] = p.encode()

    # duplicate location ids (an extra location re-uses id 1)
    p = mk_basic()
    l0 = p.locations[0]
    p.add_location(l0["lines"], mapping_id=l0["mapping_id"], address=l0["address"] + 8, id=l0["id"])
    out["duploc"] = p.encode()

    # duplicate location ids where a sample names the id that vanished
    # (pprof then reports the nil location, not the duplicate)
    p = mk_basic()
    p.locations[1]["id"] = p.locations[0]["id"]
    out["duploc-renamed"] = p.encode()

    # duplicate mapping ids
    p = mk_basic()
    p.add_mapping(1, "/usr/lib/libdup.so", start=0x7f0000000000, limit=0x7f0000001000)
    out["dupmap"] = p.encode()

    # mapping id 0
    p = mk_basic()
    p.add_mapping(0, "/usr/lib/libzero.so", start=0x7f0000000000, limit=0x7f0000001000)
    out["mapid0"] = p.encode()

    # function id 0
    p = mk_basic()
    p.add_function("main.zero", "/src/zero.go", id=0)
    out["funcid0"] = p.encode()

    # sample names an unknown location
    p = mk_basic()
    p.samples[0]["locs"].insert(1, 777)
    out["unknownloc"] = p.encode()

    # a line with function_id 0
    p = mk_basic()
    p.locations[0]["lines"] = [(0, 12)]
    out["linefunc0"] = p.encode()

    # a line with an unknown function id
    p = mk_basic()
    p.locations[0]["lines"] = [(555, 12)]
    out["unknownfunc"] = p.encode()

    # a sample with 3 values for 4 sample types
    p = mk_basic()
    p.samples[1]["values"] = p.samples[1]["values"][:3]
    out["valuecount"] = p.encode()

    # samples but no sample types
    p = mk_basic()
    p.sample_types = []
    out["nosampletype"] = p.encode()

    # two time_nanos fields (what `cat a.pb b.pb` gives)
    p = mk_basic()
    out["twotimes"] = p.encode() + f_varint(9, T0 + 10**9)

    # two complete profiles concatenated
    out["concat"] = mk_basic().encode() + mk_basic().encode()

    # no string table at all (every index, even 0, is out of range)
    p = mk_basic()
    data = p.encode()
    data = data.replace(b"".join(f_bytes(6, x) for x in p.strings), b"")
    out["nostrtab"] = data

    # wrong wire type for a known field (sample_type sent as a varint)
    p = mk_basic()
    out["wiretype"] = f_varint(1, 5) + p.encode()

    # wire type 3 (start group, unsupported) at top level
    out["wt3"] = mk_basic().encode() + key(20, 3)
    return out


# ---------------------------------------------------------------------------
# Bad input files (not profiles)
# ---------------------------------------------------------------------------


def xorshift_bytes(seed, n):
    """Fixed pseudo-random bytes (xorshift64*), independent of Python's RNG."""
    x = seed & 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while len(out) < n:
        x ^= (x >> 12)
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= (x >> 27)
        v = (x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF
        out += v.to_bytes(8, "little")
    return bytes(out[:n])


def truncated_raw():
    """Raw protobuf cut in the middle of a length-delimited field (the
    payload of the first function message)."""
    p = mk_basic()
    parts = p.parts()
    off = 0
    for name, b in parts:
        if name == "function":
            # b = key(1 byte) + len varint + payload; cut half-way into payload
            _, hdr = b[0], 1
            ln, i = 0, hdr
            shift = 0
            while True:
                c = b[i]
                ln |= (c & 0x7F) << shift
                shift += 7
                i += 1
                if not c & 0x80:
                    break
            cut = off + i + ln // 2
            break
        off += len(b)
    data = b"".join(b for _, b in parts)
    return data[:cut]


ERROR_HTML = b"""<!DOCTYPE html>
<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
</body>
</html>
"""


def main():
    global OUT
    here = os.path.dirname(os.path.abspath(__file__))
    OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data")
    OUT = os.path.normpath(OUT)

    write_gz("inline.pb.gz", mk_inline())
    write_gz("nolines-mapping.pb.gz", mk_nolines_mapping())
    write_gz("nomapping.pb.gz", mk_nomapping())
    write_gz("unknownmapping.pb.gz", mk_unknownmapping())
    write_gz("emptyname.pb.gz", mk_emptyname())
    write_gz("zero-values.pb.gz", mk_zero_values())
    write_gz("allzero.pb.gz", mk_allzero())
    write_gz("nosamples.pb.gz", mk_nosamples())
    write_gz("empty-stack.pb.gz", mk_empty_stack())
    write_gz("negative.pb.gz", mk_negative())
    write_gz("units.pb.gz", mk_units())
    write_gz("units-custom.pb.gz", mk_units_custom())
    write_gz("comments.pb.gz", mk_comments())
    write_gz("recursion.pb.gz", mk_recursion())
    write_gz("ties.pb.gz", mk_ties())
    write_gz("dropone.pb.gz", mk_dropone())
    write_gz("samename.pb.gz", mk_samename())
    write("raw.pb", mk_basic().encode())
    data = mk_basic("/usr/local/bin/multimember").encode()
    half = len(data) // 2
    write("multimember.pb.gz", gz(data[:half]) + gz(data[half:]))
    write_gz("packed-unpacked.pb.gz", packed_unpacked_bytes())
    write_gz("units-bytes-small.pb.gz", mk_units_bytes_small())
    write_gz("units-bytes-big.pb.gz", mk_units_bytes_big())
    write_gz("units-time.pb.gz", mk_units_time())
    write_gz("labels-a.pb.gz", mk_labels("a"))
    write_gz("labels-b.pb.gz", mk_labels("b"))
    write_gz("views.pb.gz", mk_views("new"))
    write_gz("views-base.pb.gz", mk_views("base"))
    write_gz("nulnames.pb.gz", mk_nulnames())

    for name, data in invalid_profiles().items():
        write("invalid/%s.pb.gz" % name, gz(data))

    write("bad/empty.pb.gz", b"")
    write("bad/random.bin", xorshift_bytes(0x5EED1234ABCD, 4096))
    good = gz(mk_recursion().encode())
    write("bad/truncated.pb.gz", good[:len(good) // 2])
    write("bad/truncated-raw.pb", truncated_raw())
    write("bad/error.html", ERROR_HTML)
    write("bad/text404.txt", b"404 page not found\n")
    # gzip header only (10 bytes): valid magic, no deflate data
    write("bad/gzip-header-only.pb.gz", good[:10])
    # valid gzip whose content is empty
    write("bad/gzip-empty.pb.gz", gz(b""))
    # valid gzip whose content is text
    write("bad/gzip-text.pb.gz", gz(b"this is not a profile\n"))
    # valid profile gzip with trailing garbage after the member
    write("bad/gzip-trailing-garbage.pb.gz", good + b"garbage!")


if __name__ == "__main__":
    main()
