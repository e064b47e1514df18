/// The MDP 3.0 messages of the subset as plain values: what the simulator encodes, and what tests
/// and the non-hot paths (definitions, snapshots, status) decode. Field names follow the CME
/// schema; offsets are in specs/cme-mdp3.md §6. The hot path reads the same fields in place
/// through `MDP3MessageView`.

public struct ChannelReset4: Equatable, Sendable {
    public var transactTime: UInt64
    public var matchEventIndicator: MatchEventIndicator
    public var applIDs: [Int16]
    public init(transactTime: UInt64, matchEventIndicator: MatchEventIndicator, applIDs: [Int16]) {
        self.transactTime = transactTime
        self.matchEventIndicator = matchEventIndicator
        self.applIDs = applIDs
    }
}

public struct SecurityStatus30: Equatable, Sendable {
    public var transactTime: UInt64
    public var securityGroup: String
    public var asset: String
    /// `MDP3.nullInt32` when the status applies to the whole group/asset.
    public var securityID: Int32
    public var tradeDate: UInt16
    public var matchEventIndicator: MatchEventIndicator
    public var tradingStatus: UInt8
    public var haltReason: UInt8
    public var tradingEvent: UInt8
    public init(transactTime: UInt64, securityGroup: String, asset: String, securityID: Int32, tradeDate: UInt16,
                matchEventIndicator: MatchEventIndicator, tradingStatus: UInt8, haltReason: UInt8, tradingEvent: UInt8) {
        self.transactTime = transactTime
        self.securityGroup = securityGroup
        self.asset = asset
        self.securityID = securityID
        self.tradeDate = tradeDate
        self.matchEventIndicator = matchEventIndicator
        self.tradingStatus = tradingStatus
        self.haltReason = haltReason
        self.tradingEvent = tradingEvent
    }
}

public struct Volume37: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var size: Int32
        public var securityID: Int32
        public var rptSeq: UInt32
        public var updateAction: UInt8
        public init(size: Int32, securityID: Int32, rptSeq: UInt32, updateAction: UInt8 = 0) {
            self.size = size
            self.securityID = securityID
            self.rptSeq = rptSeq
            self.updateAction = updateAction
        }
    }
    public var transactTime: UInt64
    public var matchEventIndicator: MatchEventIndicator
    public var entries: [Entry]
    public init(transactTime: UInt64, matchEventIndicator: MatchEventIndicator, entries: [Entry]) {
        self.transactTime = transactTime
        self.matchEventIndicator = matchEventIndicator
        self.entries = entries
    }
}

public struct Book46: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var price: Int64
        public var size: Int32
        public var securityID: Int32
        public var rptSeq: UInt32
        public var numberOfOrders: Int32
        public var priceLevel: UInt8
        public var updateAction: UInt8
        public var entryType: UInt8
        public var tradeableSize: Int32
        public init(price: Int64, size: Int32, securityID: Int32, rptSeq: UInt32, numberOfOrders: Int32,
                    priceLevel: UInt8, updateAction: MDUpdateAction, entryType: UInt8,
                    tradeableSize: Int32 = MDP3.nullInt32) {
            self.price = price
            self.size = size
            self.securityID = securityID
            self.rptSeq = rptSeq
            self.numberOfOrders = numberOfOrders
            self.priceLevel = priceLevel
            self.updateAction = updateAction.rawValue
            self.entryType = entryType
            self.tradeableSize = tradeableSize
        }
    }
    public struct OrderEntry: Equatable, Sendable {
        public var orderID: UInt64
        public var orderPriority: UInt64
        public var displayQty: Int32
        public var referenceID: UInt8
        public var orderUpdateAction: UInt8
        public init(orderID: UInt64, orderPriority: UInt64, displayQty: Int32, referenceID: UInt8, orderUpdateAction: UInt8) {
            self.orderID = orderID
            self.orderPriority = orderPriority
            self.displayQty = displayQty
            self.referenceID = referenceID
            self.orderUpdateAction = orderUpdateAction
        }
    }
    public var transactTime: UInt64
    public var matchEventIndicator: MatchEventIndicator
    public var entries: [Entry]
    public var orders: [OrderEntry]
    public init(transactTime: UInt64, matchEventIndicator: MatchEventIndicator, entries: [Entry], orders: [OrderEntry] = []) {
        self.transactTime = transactTime
        self.matchEventIndicator = matchEventIndicator
        self.entries = entries
        self.orders = orders
    }
}

public struct OrderBook47: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var orderID: UInt64
        public var orderPriority: UInt64
        public var price: Int64
        public var displayQty: Int32
        public var securityID: Int32
        public var updateAction: UInt8
        public var entryType: UInt8
        public init(orderID: UInt64, orderPriority: UInt64, price: Int64, displayQty: Int32, securityID: Int32,
                    updateAction: UInt8, entryType: UInt8) {
            self.orderID = orderID
            self.orderPriority = orderPriority
            self.price = price
            self.displayQty = displayQty
            self.securityID = securityID
            self.updateAction = updateAction
            self.entryType = entryType
        }
    }
    public var transactTime: UInt64
    public var matchEventIndicator: MatchEventIndicator
    public var entries: [Entry]
    public init(transactTime: UInt64, matchEventIndicator: MatchEventIndicator, entries: [Entry]) {
        self.transactTime = transactTime
        self.matchEventIndicator = matchEventIndicator
        self.entries = entries
    }
}

public struct TradeSummary48: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var price: Int64
        public var size: Int32
        public var securityID: Int32
        public var rptSeq: UInt32
        public var numberOfOrders: Int32
        public var aggressorSide: UInt8
        public var updateAction: UInt8
        public var tradeEntryID: UInt32
        public init(price: Int64, size: Int32, securityID: Int32, rptSeq: UInt32, numberOfOrders: Int32,
                    aggressorSide: UInt8, updateAction: UInt8 = 0, tradeEntryID: UInt32) {
            self.price = price
            self.size = size
            self.securityID = securityID
            self.rptSeq = rptSeq
            self.numberOfOrders = numberOfOrders
            self.aggressorSide = aggressorSide
            self.updateAction = updateAction
            self.tradeEntryID = tradeEntryID
        }
    }
    public struct OrderEntry: Equatable, Sendable {
        public var orderID: UInt64
        public var lastQty: Int32
        public init(orderID: UInt64, lastQty: Int32) {
            self.orderID = orderID
            self.lastQty = lastQty
        }
    }
    public var transactTime: UInt64
    public var matchEventIndicator: MatchEventIndicator
    public var entries: [Entry]
    public var orders: [OrderEntry]
    public init(transactTime: UInt64, matchEventIndicator: MatchEventIndicator, entries: [Entry], orders: [OrderEntry]) {
        self.transactTime = transactTime
        self.matchEventIndicator = matchEventIndicator
        self.entries = entries
        self.orders = orders
    }
}

public struct DailyStatistics49: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var price: Int64
        public var size: Int32
        public var securityID: Int32
        public var rptSeq: UInt32
        public var tradingReferenceDate: UInt16
        public var settlPriceType: UInt8
        public var updateAction: UInt8
        public var entryType: UInt8
        public init(price: Int64, size: Int32, securityID: Int32, rptSeq: UInt32, tradingReferenceDate: UInt16,
                    settlPriceType: UInt8, updateAction: UInt8 = 0, entryType: UInt8) {
            self.price = price
            self.size = size
            self.securityID = securityID
            self.rptSeq = rptSeq
            self.tradingReferenceDate = tradingReferenceDate
            self.settlPriceType = settlPriceType
            self.updateAction = updateAction
            self.entryType = entryType
        }
    }
    public var transactTime: UInt64
    public var matchEventIndicator: MatchEventIndicator
    public var entries: [Entry]
    public init(transactTime: UInt64, matchEventIndicator: MatchEventIndicator, entries: [Entry]) {
        self.transactTime = transactTime
        self.matchEventIndicator = matchEventIndicator
        self.entries = entries
    }
}

public struct SessionStatistics51: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var price: Int64
        public var securityID: Int32
        public var rptSeq: UInt32
        public var openCloseSettlFlag: UInt8
        public var updateAction: UInt8
        public var entryType: UInt8
        public var size: Int32
        public init(price: Int64, securityID: Int32, rptSeq: UInt32, openCloseSettlFlag: UInt8 = MDP3.nullUInt8,
                    updateAction: UInt8 = 0, entryType: UInt8, size: Int32 = MDP3.nullInt32) {
            self.price = price
            self.securityID = securityID
            self.rptSeq = rptSeq
            self.openCloseSettlFlag = openCloseSettlFlag
            self.updateAction = updateAction
            self.entryType = entryType
            self.size = size
        }
    }
    public var transactTime: UInt64
    public var matchEventIndicator: MatchEventIndicator
    public var entries: [Entry]
    public init(transactTime: UInt64, matchEventIndicator: MatchEventIndicator, entries: [Entry]) {
        self.transactTime = transactTime
        self.matchEventIndicator = matchEventIndicator
        self.entries = entries
    }
}

public struct Snapshot52: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var price: Int64
        public var size: Int32
        public var numberOfOrders: Int32
        public var priceLevel: Int8
        public var tradingReferenceDate: UInt16
        public var openCloseSettlFlag: UInt8
        public var settlPriceType: UInt8
        public var entryType: UInt8
        public init(price: Int64 = MDP3.nullPrice, size: Int32 = MDP3.nullInt32, numberOfOrders: Int32 = MDP3.nullInt32,
                    priceLevel: Int8 = MDP3.nullInt8, tradingReferenceDate: UInt16 = MDP3.nullDate,
                    openCloseSettlFlag: UInt8 = MDP3.nullUInt8, settlPriceType: UInt8 = 0, entryType: UInt8) {
            self.price = price
            self.size = size
            self.numberOfOrders = numberOfOrders
            self.priceLevel = priceLevel
            self.tradingReferenceDate = tradingReferenceDate
            self.openCloseSettlFlag = openCloseSettlFlag
            self.settlPriceType = settlPriceType
            self.entryType = entryType
        }
    }
    public var lastMsgSeqNumProcessed: UInt32
    public var totNumReports: UInt32
    public var securityID: Int32
    public var rptSeq: UInt32
    public var transactTime: UInt64
    public var lastUpdateTime: UInt64
    public var tradeDate: UInt16
    public var tradingStatus: UInt8
    public var highLimitPrice: Int64
    public var lowLimitPrice: Int64
    public var maxPriceVariation: Int64
    public var entries: [Entry]
    public init(lastMsgSeqNumProcessed: UInt32, totNumReports: UInt32, securityID: Int32, rptSeq: UInt32,
                transactTime: UInt64, lastUpdateTime: UInt64, tradeDate: UInt16, tradingStatus: UInt8,
                highLimitPrice: Int64 = MDP3.nullPrice, lowLimitPrice: Int64 = MDP3.nullPrice,
                maxPriceVariation: Int64 = MDP3.nullPrice, entries: [Entry]) {
        self.lastMsgSeqNumProcessed = lastMsgSeqNumProcessed
        self.totNumReports = totNumReports
        self.securityID = securityID
        self.rptSeq = rptSeq
        self.transactTime = transactTime
        self.lastUpdateTime = lastUpdateTime
        self.tradeDate = tradeDate
        self.tradingStatus = tradingStatus
        self.highLimitPrice = highLimitPrice
        self.lowLimitPrice = lowLimitPrice
        self.maxPriceVariation = maxPriceVariation
        self.entries = entries
    }
}

public struct SnapshotOrderBook53: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var orderID: UInt64
        public var orderPriority: UInt64
        public var price: Int64
        public var displayQty: Int32
        public var entryType: UInt8
        public init(orderID: UInt64, orderPriority: UInt64, price: Int64, displayQty: Int32, entryType: UInt8) {
            self.orderID = orderID
            self.orderPriority = orderPriority
            self.price = price
            self.displayQty = displayQty
            self.entryType = entryType
        }
    }
    public var lastMsgSeqNumProcessed: UInt32
    public var totNumReports: UInt32
    public var securityID: Int32
    public var noChunks: UInt32
    public var currentChunk: UInt32
    public var transactTime: UInt64
    public var entries: [Entry]
    public init(lastMsgSeqNumProcessed: UInt32, totNumReports: UInt32, securityID: Int32, noChunks: UInt32,
                currentChunk: UInt32, transactTime: UInt64, entries: [Entry]) {
        self.lastMsgSeqNumProcessed = lastMsgSeqNumProcessed
        self.totNumReports = totNumReports
        self.securityID = securityID
        self.noChunks = noChunks
        self.currentChunk = currentChunk
        self.transactTime = transactTime
        self.entries = entries
    }
}

public struct Definition54: Equatable, Sendable {
    public struct Event: Equatable, Sendable {
        public var eventType: UInt8
        public var eventTime: UInt64
        public init(eventType: UInt8, eventTime: UInt64) {
            self.eventType = eventType
            self.eventTime = eventTime
        }
    }
    public struct FeedType: Equatable, Sendable {
        public var feedType: String
        public var marketDepth: Int8
        public init(feedType: String, marketDepth: Int8) {
            self.feedType = feedType
            self.marketDepth = marketDepth
        }
    }
    public struct LotTypeRule: Equatable, Sendable {
        public var lotType: Int8
        /// DecimalQty mantissa, exponent −4.
        public var minLotSize: Int32
        public init(lotType: Int8, minLotSize: Int32) {
            self.lotType = lotType
            self.minLotSize = minLotSize
        }
    }
    public static let eventActivation: UInt8 = 5
    public static let eventLastEligibleTradeDate: UInt8 = 7

    public var matchEventIndicator = MatchEventIndicator()
    public var totNumReports: UInt32 = MDP3.nullUInt32
    public var securityUpdateAction: UInt8 = UInt8(ascii: "A")
    public var lastUpdateTime: UInt64 = 0
    public var tradingStatus: UInt8 = MDP3.nullUInt8
    public var applID: Int16 = 0
    public var marketSegmentID: UInt8 = 0
    public var underlyingProduct: UInt8 = 0
    public var securityExchange = ""
    public var securityGroup = ""
    public var asset = ""
    public var symbol = ""
    public var securityID: Int32 = 0
    public var securityType = ""
    public var cfiCode = ""
    public var maturityYear: UInt16 = .max
    public var maturityMonth: UInt8 = .max
    public var maturityDay: UInt8 = .max
    public var maturityWeek: UInt8 = .max
    public var currency = ""
    public var settlCurrency = ""
    public var matchAlgorithm: UInt8 = UInt8(ascii: "F")
    public var minTradeVol: UInt32 = 1
    public var maxTradeVol: UInt32 = 0
    public var minPriceIncrement: Int64 = 0
    public var displayFactor: Int64 = 1_000_000_000
    public var mainFraction: UInt8 = MDP3.nullUInt8
    public var subFraction: UInt8 = MDP3.nullUInt8
    public var priceDisplayFormat: UInt8 = MDP3.nullUInt8
    public var unitOfMeasure = ""
    public var unitOfMeasureQty: Int64 = MDP3.nullPrice
    public var tradingReferencePrice: Int64 = MDP3.nullPrice
    public var settlPriceType: UInt8 = 0
    public var openInterestQty: Int32 = MDP3.nullInt32
    public var clearedVolume: Int32 = MDP3.nullInt32
    public var highLimitPrice: Int64 = MDP3.nullPrice
    public var lowLimitPrice: Int64 = MDP3.nullPrice
    public var maxPriceVariation: Int64 = MDP3.nullPrice
    public var decayQuantity: Int32 = MDP3.nullInt32
    public var decayStartDate: UInt16 = MDP3.nullDate
    public var originalContractSize: Int32 = MDP3.nullInt32
    public var contractMultiplier: Int32 = MDP3.nullInt32
    public var contractMultiplierUnit: Int8 = MDP3.nullInt8
    public var flowScheduleType: Int8 = MDP3.nullInt8
    public var minPriceIncrementAmount: Int64 = MDP3.nullPrice
    public var userDefinedInstrument: UInt8 = UInt8(ascii: "N")
    public var tradingReferenceDate: UInt16 = MDP3.nullDate
    public var instrumentGUID: UInt64 = MDP3.nullUInt64
    public var events: [Event] = []
    public var feedTypes: [FeedType] = []
    public var instAttribValues: [UInt32] = []
    public var lotTypeRules: [LotTypeRule] = []

    public init() {}

    /// Book depths from the `NoMDFeedTypes` group: `GBX` outright, `GBI` implied.
    public var outrightDepth: Int { Int(feedTypes.first { $0.feedType == "GBX" }?.marketDepth ?? 0) }
    public var impliedDepth: Int { Int(feedTypes.first { $0.feedType == "GBI" }?.marketDepth ?? 0) }
}
