/// Derivative-free minimisation (Nelder & Mead 1965, with the adaptive coefficients of
/// Gao & Han 2012 that keep it reliable beyond two or three dimensions).
///
/// Used for the churn-model fits: four parameters, a smooth but badly scaled likelihood,
/// and no gradient to maintain. Restarting from the best vertex with a fresh simplex guards
/// against the simplex collapsing before it reaches the optimum.
struct NelderMead: Sendable {
    /// Stop when the spread of the simplex values is below this (absolute).
    var valueTolerance = 1e-9
    /// ... and every vertex is within this distance of the best one, in each coordinate.
    var pointTolerance = 1e-7
    /// Iterations allowed per run.
    var maxIterations = 5_000
    /// Edge length of a fresh simplex around its start point.
    var initialStep = 0.5

    struct Result: Sendable {
        var point: [Double]
        var value: Double
        var iterations: Int
        var evaluations: Int
        var converged: Bool
    }

    /// Minimises `f` from `start`. `f` may return `+infinity` where it is undefined.
    func minimize(_ f: ([Double]) -> Double, from start: [Double]) -> Result {
        let n = start.count
        let dimension = Double(n)
        let reflection = 1.0
        let expansion = 1 + 2 / dimension
        let contraction = 0.75 - 1 / (2 * dimension)
        let shrink = 1 - 1 / dimension

        var evaluations = 0
        func value(_ point: [Double]) -> Double {
            evaluations += 1
            let v = f(point)
            return v.isNaN ? .infinity : v
        }

        var simplex = [start]
        for i in 0..<n {
            var vertex = start
            vertex[i] += initialStep
            simplex.append(vertex)
        }
        var values = simplex.map(value)
        var iterations = 0
        var converged = false

        while iterations < maxIterations {
            // Order the vertices best first.
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            if isConverged(simplex, values) {
                converged = true
                break
            }
            iterations += 1

            var centroid = [Double](repeating: 0, count: n)
            for vertex in simplex.dropLast() {
                for j in 0..<n { centroid[j] += vertex[j] / dimension }
            }
            let worst = simplex[n]
            func along(_ coefficient: Double) -> [Double] {
                (0..<n).map { centroid[$0] + coefficient * (centroid[$0] - worst[$0]) }
            }

            let reflected = along(reflection)
            let reflectedValue = value(reflected)
            if reflectedValue < values[0] {
                let expanded = along(expansion)
                let expandedValue = value(expanded)
                if expandedValue < reflectedValue {
                    (simplex[n], values[n]) = (expanded, expandedValue)
                } else {
                    (simplex[n], values[n]) = (reflected, reflectedValue)
                }
                continue
            }
            if reflectedValue < values[n - 1] {
                (simplex[n], values[n]) = (reflected, reflectedValue)
                continue
            }
            // Contract outside when the reflection helped a little, inside otherwise.
            let outside = reflectedValue < values[n]
            let contracted = along(outside ? contraction : -contraction)
            let contractedValue = value(contracted)
            if contractedValue < min(reflectedValue, values[n]) {
                (simplex[n], values[n]) = (contracted, contractedValue)
                continue
            }
            for i in 1...n {
                simplex[i] = (0..<n).map { simplex[0][$0] + shrink * (simplex[i][$0] - simplex[0][$0]) }
                values[i] = value(simplex[i])
            }
        }
        let best = values.indices.min { values[$0] < values[$1] }!
        return Result(
            point: simplex[best], value: values[best],
            iterations: iterations, evaluations: evaluations, converged: converged
        )
    }

    /// Minimises `f`, restarting from the best point until a restart no longer improves the
    /// value by more than `valueTolerance`: the returned result sums iterations over runs.
    func minimizeWithRestarts(_ f: ([Double]) -> Double, from start: [Double], maxRestarts: Int = 6) -> Result {
        var result = minimize(f, from: start)
        var restarts = 0
        while restarts < maxRestarts {
            restarts += 1
            let next = minimize(f, from: result.point)
            let improvement = result.value - next.value
            let total = Result(
                point: next.value <= result.value ? next.point : result.point,
                value: min(next.value, result.value),
                iterations: result.iterations + next.iterations,
                evaluations: result.evaluations + next.evaluations,
                converged: next.converged
            )
            result = total
            if !(improvement > valueTolerance * 10) { break }
        }
        return result
    }

    private func isConverged(_ simplex: [[Double]], _ values: [Double]) -> Bool {
        guard values[0].isFinite, let last = values.last, last.isFinite else { return false }
        guard last - values[0] <= valueTolerance * max(1, abs(values[0]) * 1e-3) else { return false }
        for vertex in simplex.dropFirst() {
            for j in vertex.indices where abs(vertex[j] - simplex[0][j]) > pointTolerance {
                return false
            }
        }
        return true
    }
}
