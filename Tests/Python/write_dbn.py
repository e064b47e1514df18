"""Write a DBN v3 file with databento-dbn's own encoder, for the Swift decoder to read.

Usage: write_dbn.py OUT.dbn. The values are mirrored in Tests/TickFormatTests/InteropTests.swift.
"""
import datetime
import sys
from dataclasses import dataclass

import databento_dbn as dbn

T0 = 1_799_073_000_000_000_000
FLAG_LAST = 128


@dataclass
class Interval:  # databento_dbn.MappingInterval is a Protocol: any object with these attributes
    start_date: datetime.date
    end_date: datetime.date
    symbol: str


@dataclass
class Mapping:  # likewise databento_dbn.SymbolMapping
    raw_symbol: str
    intervals: list


def main():
    metadata = dbn.Metadata(
        dataset="CF.CME.MDP3", start=T0, stype_in=dbn.SType.RAW_SYMBOL, stype_out=dbn.SType.INSTRUMENT_ID,
        schema=None, symbols=["GH1H7"], end=T0 + 60_000_000_000,
        mappings=[Mapping("GH1H7", [Interval(datetime.date(2027, 1, 4), datetime.date(2027, 1, 5), "910001")])],
    )
    records = [
        dbn.TradeMsg(1002, 910001, T0 + 1, 2_605_000_000, 3, dbn.Action.TRADE, dbn.Side.BID, 0, T0 + 2, flags=FLAG_LAST, ts_in_delta=7,
                     sequence=11),
        dbn.MBOMsg(1002, 910001, T0 + 3, 99, 2_600_000_000, 5, dbn.Action.ADD, dbn.Side.BID, T0 + 4, flags=FLAG_LAST, channel_id=4,
                   sequence=12),
        dbn.MBP1Msg(1002, 910001, T0 + 5, 2_610_000_000, 8, dbn.Action.ADD, dbn.Side.ASK, 0, T0 + 6, flags=FLAG_LAST, sequence=13,
                    levels=dbn.BidAskPair(2_600_000_000, 2_610_000_000, 5, 8, 1, 1)),
        dbn.StatMsg(1002, 910001, T0 + 7, T0 + 8, T0, 2_620_000_000, 2**40, dbn.StatType.SETTLEMENT_PRICE,
                    sequence=14, stat_flags=1),
        dbn.StatusMsg(1002, 910001, T0 + 9, T0 + 10, action=dbn.StatusAction.HALT,
                      reason=dbn.StatusReason.MARKET_EVENT, is_trading=dbn.TriState.NO, is_quoting=dbn.TriState.NO),
        dbn.SystemMsg(T0 + 11, "gap on line A"),
    ]
    with open(sys.argv[1], "wb") as f:
        f.write(bytes(metadata))
        for r in records:
            f.write(bytes(r))


if __name__ == "__main__":
    main()
