using System.Globalization;
using System.Text;

namespace Distill.DemoServer;

/// <summary>The figures /up, /status and /ws-status report: uptime, memory, clock and threads.</summary>
public sealed class ServerStatus(TimeProvider clock)
{
    private readonly long _startTimestamp = clock.GetTimestamp();

    public TimeSpan Uptime => clock.GetElapsedTime(_startTimestamp);

    /// <summary>The /up line: "&lt;server&gt; up &lt;uptime&gt; (allocated N bytes - P % free) [yyyy-mm-ddThh:mm:ssZ]".</summary>
    public string UpLine() =>
        $"{ServerIdentity.ServerString} up {FormatUptime(Uptime)} ({MemoryStatistics()}) [{ServerClock()}]";

    /// <summary>UTC clock as Zinc prints it: 2026-12-11T14:16:24Z.</summary>
    public string ServerClock() =>
        clock.GetUtcNow().UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// "allocated N bytes - P % free", Zinc's wording for the VM heap size and its unused share.
    /// Figures chosen: "allocated" is the memory the GC has committed for the managed heap
    /// (GCMemoryInfo.TotalCommittedBytes), the counterpart of Pharo's "vm memorySize"; "free" is the share of it
    /// not taken by objects, with GC.GetTotalMemory(false) (bytes currently allocated, garbage not yet collected
    /// included) as the part in use. Not chosen: HeapSizeBytes (size after the last GC only, smaller than what is
    /// in use between collections), TotalAvailableMemoryBytes (the machine's or container's limit, not the heap),
    /// the process working set (includes code and native memory). GCMemoryInfo is a snapshot of the last GC and
    /// reads 0 before the first one under workstation GC, so the server runs one gen0 collection at start
    /// (see DemoServerApp) and "allocated" is never less than the bytes in use.
    /// </summary>
    public static string MemoryStatistics()
    {
        var (allocated, free) = MemoryFigures();
        double freePercent = allocated == 0 ? 0 : 100.0 * free / allocated;
        return string.Create(CultureInfo.InvariantCulture, $"allocated {allocated:N0} bytes - {freePercent:F2} % free");
    }

    public static (long Allocated, long Free) MemoryFigures()
    {
        long inUse = GC.GetTotalMemory(forceFullCollection: false);
        long allocated = Math.Max(GC.GetGCMemoryInfo().TotalCommittedBytes, inUse);
        return (allocated, allocated - inUse);
    }

    /// <summary>Uptime rounded to the minute in words: "0 minutes", "1 minute", "2 hours 5 minutes", "3 days 1 hour".</summary>
    public static string FormatUptime(TimeSpan uptime)
    {
        long minutes = (long)Math.Round(Math.Max(0, uptime.TotalMinutes), MidpointRounding.AwayFromZero);
        if (minutes == 0) return "0 minutes";
        var parts = new List<string>(3);
        Add(parts, minutes / (24 * 60), "day");
        Add(parts, minutes / 60 % 24, "hour");
        Add(parts, minutes % 60, "minute");
        return string.Join(' ', parts);
    }

    private static void Add(List<string> parts, long count, string unit)
    {
        if (count == 0) return;
        parts.Add(count == 1 ? $"1 {unit}" : string.Create(CultureInfo.InvariantCulture, $"{count} {unit}s"));
    }

    /// <summary>The process's threads as the kernel lists them: id, name, state. Empty when /proc is not mounted.</summary>
    public static IReadOnlyList<ThreadInfo> Threads()
    {
        var result = new List<ThreadInfo>();
        int current = CurrentThreadId();
        try
        {
            foreach (string dir in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int id)) continue;
                string name = ReadSmallFile(Path.Combine(dir, "comm")).Trim();
                result.Add(new ThreadInfo(id, name, ThreadState(Path.Combine(dir, "stat")), id == current));
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        result.Sort((a, b) => a.Id.CompareTo(b.Id));
        return result;
    }

    public static string ThreadSummary(IReadOnlyList<ThreadInfo> threads) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{threads.Count} threads, thread pool {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} queued work items");

    public static string GcSummary() =>
        string.Create(CultureInfo.InvariantCulture,
            $"GC collections gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}; total allocated {GC.GetTotalAllocatedBytes():N0} bytes");

    private static int CurrentThreadId()
    {
        try
        {
            // /proc/thread-self links to "<pid>/task/<tid>".
            string? target = new FileInfo("/proc/thread-self").LinkTarget;
            return target is null ? -1 : int.Parse(Path.GetFileName(target), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }

    private static string ThreadState(string statPath)
    {
        // The state letter follows the ")" that closes the command name.
        string stat = ReadSmallFile(statPath);
        int close = stat.LastIndexOf(')');
        return close >= 0 && close + 2 < stat.Length ? stat[close + 2] switch
        {
            'R' => "running",
            'S' => "sleeping",
            'D' => "waiting on I/O",
            'T' or 't' => "stopped",
            'Z' => "zombie",
            var other => other.ToString(),
        } : "unknown";
    }

    private static string ReadSmallFile(string path)
    {
        try { return File.ReadAllText(path, Encoding.UTF8); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }
}

public sealed record ThreadInfo(int Id, string Name, string State, bool IsCurrent);
