"""Decode a DBN file with Databento's databento-dbn and check every record's fields.

Usage: check_dbn.py FILE.dbn EXPECTED.json
EXPECTED.json: {"metadata": {...}, "records": [{"class": "TradeMsg", "fields": {name: value}}]}
Character fields are one-character strings, tri-states 'Y'/'N'/'~'. Exits 1 on any mismatch.
"""
import json
import sys

import databento as db
import databento_dbn as dbn

TRI_STATE = {"is_trading", "is_quoting", "is_short_sell_restricted"}


def normalize(name, value):
    if name in TRI_STATE:
        return {True: "Y", False: "N", None: "~"}[value]
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "value"):  # databento_dbn enums: char or int values
        value = value.value
    return value


def main():
    path, expected_path = sys.argv[1], sys.argv[2]
    expected = json.load(open(expected_path))
    decoder = dbn.DBNDecoder()
    with open(path, "rb") as f:
        decoder.write(f.read())
    items = decoder.decode()
    if decoder.buffer():
        sys.exit("trailing bytes after the last record")
    metadata, records = items[0], items[1:]
    errors = []
    for key, want in expected["metadata"].items():
        got = normalize(key, getattr(metadata, key))
        if got != want:
            errors.append(f"metadata.{key}: {got!r} != {want!r}")
    if len(records) != len(expected["records"]):
        errors.append(f"{len(records)} records decoded, {len(expected['records'])} expected")
    for i, (record, want) in enumerate(zip(records, expected["records"])):
        if type(record).__name__ != want["class"]:
            errors.append(f"record {i}: class {type(record).__name__} != {want['class']}")
            continue
        for name, value in want["fields"].items():
            got = normalize(name, getattr(record, name))
            if got != value:
                errors.append(f"record {i} {want['class']}.{name}: {got!r} != {value!r}")
    # The pandas path quants use: a mixed file loads one schema at a time.
    if expected.get("dataframes"):
        store = db.DBNStore.from_file(path)
        for schema, rows in expected["dataframes"].items():
            n = len(store.to_df(schema=schema))
            if n != rows:
                errors.append(f"to_df(schema={schema!r}) has {n} rows, {rows} expected")
    for e in errors:
        print(e)
    print(f"checked {len(records)} records, {len(errors)} mismatches")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
