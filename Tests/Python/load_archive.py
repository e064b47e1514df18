"""The README's Python recipe, checked in CI: an archive file and query outputs into pandas.

usage: load_archive.py ARCHIVE.dbn.lz4 TRADES.dbn BARS.dbn LZ4_DC_OUTPUT.dbn
"""
import sys

import databento as db
import databento_dbn as dbn
import lz4.frame

archive, trades_path, bars_path, lz4_dc = sys.argv[1:5]

# `lz4 -dc ARCHIVE > FILE` (the CLI skips the index frames) is a DBN stream databento-dbn decodes.
decoder = dbn.DBNDecoder()
with open(lz4_dc, "rb") as f:
    decoder.write(f.read())
decoded = decoder.decode()
metadata, records = decoded[0], decoded[1:]
assert metadata.dataset == "CF.CME.MDP3" and len(records) > 4000, (metadata, len(records))
print("lz4 -dc records", len(records))

# An archive: decompress every LZ4 frame (skippable index frames are skipped), then read the DBN.
with lz4.frame.open(archive, "rb") as f:
    store = db.DBNStore.from_bytes(f.read())
trades = store.to_df(schema="trades")        # the archive is a mixed-schema file
books = store.to_df(schema="mbp-10")
assert len(books) > 1000 and trades["price"].between(1, 10).all()
print("archive trades", len(trades))

# A query's DBN output: a single-schema file with symbol mappings.
q = db.DBNStore.from_file(trades_path).to_df()
assert set(q["symbol"]) <= {"GH1H7", "GH1M7", "GH1U7", "GH1Z7", "GB2H7", "GB2M7", "GB2U7", "GB2Z7"}
assert (q.index == trades.index).all() and (q["price"].values == trades["price"].values).all()
print("query trades", len(q))

bars = db.DBNStore.from_file(bars_path).to_df()
for (symbol, minute), g in q.groupby(["symbol", q["ts_event"].dt.floor("1min")]):
    bar = bars[(bars["symbol"] == symbol) & (bars.index == minute)]
    assert len(bar) == 1, (symbol, minute)
    assert bar["volume"].iloc[0] == g["size"].sum()
    assert bar["high"].iloc[0] == g["price"].max() and bar["low"].iloc[0] == g["price"].min()
print("bars ok", len(bars))
