import Foundation
import Logging
import RevisitCore
import RevisitServer
import ServiceLifecycle

/// `revisit bench serve`: the profile table of `revisit serve` holding a million profiles:
/// resident memory per profile, and the latency of a lookup in the process and over HTTP,
/// alone and while profiles are applied as fast as the reader's thread can (a catch-up).
///
/// The profiles are the end-of-input profiles of the operators on generated traffic (every
/// user with at least one visit), encoded as the pipeline writes them.
public struct ServeBenchmark: Sendable {
    /// Profiles in the table.
    public var profiles = 1_000_000

    /// Lookups timed in the process.
    public var lookups = 1_000_000

    /// HTTP requests per phase (with and without a writer).
    public var requests = 200_000

    /// HTTP connections, each with a thread of its own sending requests one after the other.
    public var connections = 8

    /// The allocator (asked to give back freed memory around the load) and the reader's
    /// thread priority (the writer's, while lookups run over HTTP).
    public var host: BenchmarkHost

    /// The benchmark with its default options, those of `revisit bench serve`.
    public init(host: BenchmarkHost) {
        self.host = host
    }

    /// Checks the options before anything starts; the message names the options to change.
    public func validate() throws(BenchmarkFailure) {
        guard profiles >= 1_000, lookups >= 1, requests >= connections, connections >= 1 else {
            throw BenchmarkFailure("needs --profiles >= 1000, --lookups >= 1 and --requests >= --connections >= 1")
        }
    }

    /// Runs the benchmark and prints its report.
    public func run() async throws {
        let input = generateProfiles()
        print("profiles         \(input.count) generated, \(input.bytes.count / input.count) bytes of JSON on average")

        // MARK: Memory
        let stores = ServeStores(topics: ServeStores.Topics(TopicNames()))
        host.releaseFreedMemory()
        let before = ResidentMemory.bytes()
        let loading = ContinuousClock().measure { input.apply(to: stores.profiles) }
        host.releaseFreedMemory()
        let after = ResidentMemory.bytes()
        let counts = stores.profiles.counts
        print(String(format: "memory           %.1f bytes/profile (RSS +%d MiB for %d profiles, %d kept verbatim); loaded in %.2f s, %.0f profiles/s",
                     Double(after - before) / Double(counts.profiles), (after - before) >> 20, counts.profiles, counts.verbatim,
                     loading.seconds, Double(counts.profiles) / loading.seconds))

        // MARK: In the process
        var random = SplitMix64(seed: 7)
        var inProcess: [Duration] = []
        inProcess.reserveCapacity(lookups)
        let clock = ContinuousClock()
        for _ in 0..<lookups {
            let user = input.users[Int(random.next() % UInt64(input.count))]
            let start = clock.now
            let found = stores.profiles.profile(user)
            inProcess.append(clock.now - start)
            precondition(found != nil, "no profile of \(user)")
        }
        print("lookup in process \(LatencySummary(inProcess))")

        // MARK: Over HTTP
        try await withServer(stores) { port in
            let alone = try await HTTPLoad(port: port, users: input.users, requests: requests, connections: connections).run()
            print("lookup over HTTP \(LatencySummary(alone.latencies)), \(String(format: "%.0f", alone.rate)) requests/s, \(connections) connections")
            let writer = ProfileWriter(input: input, table: stores.profiles, lowerPriority: host.lowerReaderPriority)
            writer.start()
            let loaded = try await HTTPLoad(port: port, users: input.users, requests: requests, connections: connections).run()
            let applied = writer.stop()
            print("  while writing  \(LatencySummary(loaded.latencies)), \(String(format: "%.0f", loaded.rate)) requests/s; \(String(format: "%.0f", applied)) profiles/s applied meanwhile")
        }
    }

    // MARK: - Profiles

    /// End-of-input profiles of `profiles` users: each user visits once, then generated
    /// traffic over about six weeks gives many of them more visits, sessions and streaks.
    private func generateProfiles() -> GeneratedProfiles {
        var generated = GeneratedProfiles()
        var processor = try! PartitionProcessor(rules: RetentionRules(), wallClock: Int64.max / 2)
        var generator = EventLineGenerator(users: profiles, seed: 11, eventsPerVisit: 8, eventsPerDay: profiles / 20)
        let start = generator.now - Int64(profiles) * 500
        for i in 0..<profiles {
            processor.process(event: ParsedEvent(
                userID: "u" + String(i), eventIDHash: UInt64(i), kind: .activity, timestamp: start + Int64(i) * 500))
            if i & 0xFFF == 0 { _ = processor.discardOutputs() }
        }
        for i in 0..<(2 * profiles) {
            processor.process(event: generator.nextEvent())
            if i & 0xFFF == 0 { _ = processor.discardOutputs() }
        }
        _ = processor.discardOutputs()
        processor.finish(at: generator.now)
        var buffer = JSONBuffer()
        processor.drainOutputs { record in
            guard case .profile(let profile) = record, profile.cause == .endOfInput else { return }
            buffer.removeAll()
            OutputEncoder.append(profile, to: &buffer)
            generated.append(user: profile.userID, json: buffer)
        }
        return generated
    }

    // MARK: - Server

    /// Runs `revisit serve`'s HTTP server on a free loopback port around `body`.
    private func withServer(_ stores: ServeStores, _ body: (Int) async throws -> Void) async throws {
        var logger = Logger(label: "revisit.bench.serve")
        logger.logLevel = .warning
        let observability = ProcessObservability()
        observability.health.setReady(true)
        let (bound, announce) = AsyncStream<HTTPListenAddress>.makeStream()
        let server = ServeServer.application(
            address: HTTPListenAddress(host: "127.0.0.1", port: 0), stores: stores, health: observability.health,
            registry: observability.registry, chartLibrary: ChartLibrary(), logger: logger
        ) { address in
            announce.yield(address)
        }
        let group = ServiceGroup(services: [server], logger: logger)
        let running = Task { try await group.run() }
        var addresses = bound.makeAsyncIterator()
        guard let address = await addresses.next() else { throw BenchmarkFailure("the server did not start") }
        do {
            try await body(address.port)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
