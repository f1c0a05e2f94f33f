import Foundation
import RevisitCore
import Synchronization

/// The latest profile of every user, as the profile topic holds it (SPEC 6): each record
/// replaces the user's previous one, and a tombstone (a `forget`) removes the user.
///
/// Profiles are kept packed (``PackedProfile``: 104 bytes against ~600 of JSON) and written
/// back to JSON on lookup. A record is packed only when writing it back gives its very bytes;
/// any other (a newer schema, escaped characters) is kept as it came, so a lookup always
/// answers exactly what the topic holds.
///
/// One thread applies the topic's records while HTTP handlers look profiles up from theirs:
/// every access is one short critical section, and JSON is parsed and written outside it.
public final class ProfileTable: Sendable {
    /// How many users the table holds, and in which form.
    public struct Counts: Sendable, Equatable {
        public var profiles: Int
        /// Held as ``PackedProfile``.
        public var packed: Int
        /// Held as the bytes that came (the record would not write back identically).
        public var verbatim: Int

        public init(profiles: Int, packed: Int, verbatim: Int) {
            self.profiles = profiles
            self.packed = packed
            self.verbatim = verbatim
        }
    }

    private let storage = Mutex(Storage())

    public init() {}

    // MARK: - Applying the topic

    /// Applies one message of the profile topic, keyed by user id: a profile replaces the
    /// user's previous one; an empty value (a tombstone) removes the user.
    public func apply(userID: String, value: UnsafeRawBufferPointer) {
        var scratch = JSONBuffer(capacity: 1024)
        apply(userID: userID, value: value, scratch: &scratch)
    }

    /// ``apply(userID:value:)`` with a buffer of the caller's for the check, so that a loop
    /// over many records allocates none.
    public func apply(userID: String, value: UnsafeRawBufferPointer, scratch: inout JSONBuffer) {
        guard !value.isEmpty else {
            remove(userID)
            return
        }
        var packed = PackedProfile.parse(value)
        if let candidate = packed {
            scratch.removeAll()
            var id = userID
            id.withUTF8 { candidate.profile.write(userID: UnsafeRawBufferPointer($0), campaign: candidate.campaign, to: &scratch) }
            let same = scratch.withBytes { written in
                written.count == value.count && memcmp(written.baseAddress!, value.baseAddress!, value.count) == 0
            }
            if !same { packed = nil }
        }
        storage.withLock { storage in
            if let packed {
                storage.store(packed.profile, campaign: packed.campaign, for: userID)
            } else {
                storage.store(verbatim: Array(value), for: userID)
            }
        }
    }

    /// Removes the user (a tombstone).
    public func remove(_ userID: String) {
        storage.withLock { $0.remove(userID) }
    }

    // MARK: - Looking up

    /// The user's latest profile as JSON, or nil when the user is unknown or forgotten.
    public func profile(_ userID: String) -> [UInt8]? {
        let found = storage.withLock { storage -> Found? in
            guard let slot = storage.slots[userID] else { return nil }
            if slot >= 0 {
                let profile = storage.packed[Int(slot)]
                let campaign = profile.lastCampaign == 0 ? nil : storage.campaigns[Int(profile.lastCampaign) - 1]
                return .packed(profile, campaign)
            }
            return .verbatim(storage.verbatim[Int(~slot)])
        }
        switch found {
        case nil:
            return nil
        case .verbatim(let bytes):
            return bytes
        case .packed(let profile, let campaign):
            var out = JSONBuffer(capacity: 768)
            var id = userID
            id.withUTF8 { profile.write(userID: UnsafeRawBufferPointer($0), campaign: campaign, to: &out) }
            return out.bytes
        }
    }

    /// The `first_seen` of the user's profile, epoch milliseconds; nil when the user has no
    /// profile (unknown, or forgotten) or it has no readable `first_seen`.
    public func firstSeen(_ userID: String) -> Int64? {
        let found = storage.withLock { storage -> Found? in
            guard let slot = storage.slots[userID] else { return nil }
            return slot >= 0 ? .packed(storage.packed[Int(slot)], nil) : .verbatim(storage.verbatim[Int(~slot)])
        }
        switch found {
        case nil:
            return nil
        case .packed(let profile, _):
            return profile.firstSeen
        case .verbatim(let bytes):
            // Rare (a layout the table does not pack): read where it is.
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
            return (object?["first_seen"] as? String).flatMap(EventTime.parse)
        }
    }

    public var counts: Counts {
        storage.withLock { storage in
            let verbatim = storage.verbatim.count - storage.freeVerbatim.count
            return Counts(profiles: storage.slots.count, packed: storage.slots.count - verbatim, verbatim: verbatim)
        }
    }

    private enum Found {
        case packed(PackedProfile, String?)
        case verbatim([UInt8])
    }
}

// MARK: - Storage

/// The table's state: user id to slot (`>= 0`: an index into `packed`; `< 0`: `~index` into
/// `verbatim`), the two slot arrays with the slots freed by removals, and the campaign names
/// packed profiles refer to by number.
private struct Storage {
    var slots: [String: Int32] = [:]
    var packed: [PackedProfile] = []
    var freePacked: [Int32] = []
    var verbatim: [[UInt8]] = []
    var freeVerbatim: [Int32] = []
    /// Names of `last_campaign`, numbered from 1 in `PackedProfile.lastCampaign`. Never
    /// shrinks: a pipeline has a handful of campaigns, not one per user.
    var campaigns: [String] = []
    var campaignNumbers: [String: UInt32] = [:]

    mutating func store(_ profile: PackedProfile, campaign: String?, for userID: String) {
        var profile = profile
        if let campaign {
            profile.lastCampaign = number(of: campaign)
        } else {
            profile.lastCampaign = 0
        }
        if let slot = slots[userID] {
            if slot >= 0 {
                packed[Int(slot)] = profile
                return
            }
            releaseVerbatim(~slot)
        }
        if let free = freePacked.popLast() {
            packed[Int(free)] = profile
            slots[userID] = free
        } else {
            slots[userID] = Int32(packed.count)
            packed.append(profile)
        }
    }

    mutating func store(verbatim bytes: [UInt8], for userID: String) {
        if let slot = slots[userID] {
            if slot < 0 {
                verbatim[Int(~slot)] = bytes
                return
            }
            freePacked.append(slot)
        }
        if let free = freeVerbatim.popLast() {
            verbatim[Int(free)] = bytes
            slots[userID] = ~free
        } else {
            slots[userID] = ~Int32(verbatim.count)
            verbatim.append(bytes)
        }
    }

    mutating func remove(_ userID: String) {
        guard let slot = slots.removeValue(forKey: userID) else { return }
        if slot >= 0 {
            freePacked.append(slot)
        } else {
            releaseVerbatim(~slot)
        }
    }

    private mutating func releaseVerbatim(_ index: Int32) {
        verbatim[Int(index)] = []
        freeVerbatim.append(index)
    }

    private mutating func number(of campaign: String) -> UInt32 {
        if let number = campaignNumbers[campaign] { return number }
        campaigns.append(campaign)
        let number = UInt32(campaigns.count)
        campaignNumbers[campaign] = number
        return number
    }
}
