/// Decides which queued runs start now and where, without oversubscribing a host.
///
/// Policy: first come, first served, with bounded backfill. Runs are taken in submission order. The first run that
/// does not fit becomes the head; later runs that fit the free slots may start ahead of it (backfill), but only
/// `maxBypass` times in all: after that nothing starts until the head has its slots, which the finishing runs
/// free. A stream of small runs therefore delays a large one by at most `maxBypass` runs, never forever.
public struct Scheduler: Sendable {
    public var maxBypass: Int

    public init(maxBypass: Int) { self.maxBypass = maxBypass }

    /// A decision: the runs to start with their placements, and the head's new bypass count (when there is a head).
    public struct Plan: Equatable, Sendable {
        public var starts: [(name: String, placement: [HostSlots])]
        public var head: (name: String, bypassed: Int)?

        public static func == (a: Plan, b: Plan) -> Bool {
            a.starts.map(\.name) == b.starts.map(\.name) && a.starts.map(\.placement) == b.starts.map(\.placement)
                && a.head?.name == b.head?.name && a.head?.bypassed == b.head?.bypassed
        }
    }

    /// Plans for `queued` (in submission order, already eligible) on the `free` slots of each usable host.
    /// `poolSlots` (all usable slots, busy or not) tells runs that can never fit; they wait without blocking others.
    public func plan(queued: [RunRecord], free: [HostSlots], poolSlots: Int) -> Plan {
        var free = free
        var plan = Plan(starts: [], head: nil)
        for run in queued where run.spec.ranks <= poolSlots {
            if let placement = Self.place(ranks: run.spec.ranks, on: free) {
                if let head = plan.head {
                    guard head.bypassed < maxBypass else { break }
                    plan.head = (head.name, head.bypassed + 1)
                }
                plan.starts.append((run.name, placement))
                for used in placement {
                    if let index = free.firstIndex(where: { $0.host == used.host }) { free[index].slots -= used.slots }
                }
            } else if plan.head == nil {
                plan.head = (run.name, run.bypassed)
                if run.bypassed >= maxBypass { break }
            }
        }
        return plan
    }

    /// Where `ranks` ranks go: the fullest single host that still holds them all (best fit keeps big holes for
    /// big runs, and one host means shared-memory transport); otherwise the fewest hosts, emptiest first.
    public static func place(ranks: Int, on free: [HostSlots]) -> [HostSlots]? {
        guard ranks > 0, free.reduce(0, { $0 + max($1.slots, 0) }) >= ranks else { return nil }
        if let host = free.filter({ $0.slots >= ranks }).min(by: { $0.slots < $1.slots }) {
            return [HostSlots(host: host.host, slots: ranks)]
        }
        var placement: [HostSlots] = [], remaining = ranks
        for host in free.enumerated().sorted(by: { ($0.element.slots, -$0.offset) > ($1.element.slots, -$1.offset) }).map(\.element) where remaining > 0 && host.slots > 0 {
            let take = min(host.slots, remaining)
            placement.append(HostSlots(host: host.host, slots: take))
            remaining -= take
        }
        return placement
    }

    /// The free slots of each usable host: its slots minus the ranks of the `active` runs placed on it.
    public static func freeSlots(hosts: [HostStatus], active: [RunRecord]) -> [HostSlots] {
        hosts.filter { $0.disabledReason == nil }.map { host in
            let used = active.flatMap(\.placement).filter { $0.host == host.host }.reduce(0) { $0 + $1.slots }
            return HostSlots(host: host.host, slots: host.slots - used)
        }
    }
}
