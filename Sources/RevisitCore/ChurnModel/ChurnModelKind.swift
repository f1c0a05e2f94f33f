/// The two buy-till-you-die models Revisit can fit (SPEC 5).
public enum ChurnModelKind: String, Sendable, CaseIterable, Hashable {
    /// BG/NBD (Fader, Hardie, Lee 2005): a customer can leave only after a repeat visit,
    /// so a customer with no repeat visit is certainly alive.
    case bgnbd
    /// MBG/NBD (Batislam, Denizel, Filiztekin 2007): a customer can also leave right after
    /// the first visit. This is the model the pipeline scores churn risk with.
    case mbgnbd

    /// The model's usual name, `BG/NBD` or `MBG/NBD`.
    public var displayName: String {
        switch self {
        case .bgnbd: "BG/NBD"
        case .mbgnbd: "MBG/NBD"
        }
    }
}
