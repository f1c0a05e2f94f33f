import RevisitCore

extension ProcessorCounters {
    /// What was counted after `earlier`, a reading of the same partition's counters.
    ///
    /// Counters only grow while one task holds a partition, so every difference is
    /// non-negative; a counter below its earlier reading counts as 0 rather than trapping.
    func counted(since earlier: ProcessorCounters) -> ProcessorCounters {
        func difference(_ now: UInt64, _ before: UInt64) -> UInt64 { now >= before ? now - before : 0 }
        var delta = ProcessorCounters()
        delta.received = difference(received, earlier.received)
        delta.applied = difference(applied, earlier.applied)
        delta.duplicates = difference(duplicates, earlier.duplicates)
        for (reason, count) in deadLetters {
            let grown = difference(count, earlier.deadLetters[reason] ?? 0)
            if grown > 0 { delta.deadLetters[reason] = grown }
        }
        return delta
    }

    /// Whether nothing was counted.
    var isZero: Bool { received == 0 && applied == 0 && duplicates == 0 && deadLetters.values.allSatisfy { $0 == 0 } }
}
