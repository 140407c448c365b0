using System.Text;
using Conjur.EventSourced.NodeAgent.Audit;

namespace Conjur.EventSourced.Tests.Unit.Audit;

/// <summary>The follower's spool on a real folder: what survives a reopen (an agent restart) and what does not.</summary>
public sealed class AuditSpoolTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"audit-spool-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static AuditRecord Rec(long sequence) => new()
    {
        Origin = "node4",
        Sequence = sequence,
        Timestamp = DateTimeOffset.UtcNow,
        MessageId = "fetch",
        Operation = "fetch",
        Success = true,
        Message = $"fetched {sequence}",
    };

    [Fact]
    public async Task UnshippedRecords_SurviveAReopen_InOrder()
    {
        using (var spool = new AuditSpool(_dir))
        {
            await spool.AppendAsync([Rec(1), Rec(2), Rec(3)], CancellationToken.None);
            await spool.AcknowledgeAsync(1, CancellationToken.None);
        }

        using var reopened = new AuditSpool(_dir);

        reopened.Depth.ShouldBe(2);
        reopened.Peek(10).Select(r => r.Sequence).ShouldBe([2L, 3L]);
        reopened.LastSequence.ShouldBe(3);
        reopened.ShippedThrough.ShouldBe(1);
    }

    [Fact]
    public async Task TornLastLine_IsSetAside_AndTheRestKept()
    {
        using (var spool = new AuditSpool(_dir))
        {
            await spool.AppendAsync([Rec(1), Rec(2)], CancellationToken.None);
        }
        await File.AppendAllTextAsync(Path.Combine(_dir, "spool.jsonl"), "{\"origin\":\"node4\",\"seq");

        using var reopened = new AuditSpool(_dir);

        reopened.Peek(10).Select(r => r.Sequence).ShouldBe([1L, 2L]);
        (await File.ReadAllTextAsync(Path.Combine(_dir, "spool.rejected"))).ShouldContain("torn last line 3");
        await reopened.AppendAsync([Rec(3)], CancellationToken.None);
        using var again = new AuditSpool(_dir);
        again.Peek(10).Select(r => r.Sequence).ShouldBe([1L, 2L, 3L]);
    }

    [Fact]
    public async Task FullyShippedSpool_IsCompacted_AndTheSequenceGoesOn()
    {
        var big = new string('m', 64 * 1024);
        using (var spool = new AuditSpool(_dir))
        {
            var records = Enumerable.Range(1, 80).Select(i => Rec(i) with { Message = big }).ToList();
            await spool.AppendAsync(records, CancellationToken.None);
            await spool.AcknowledgeAsync(80, CancellationToken.None);
        }

        new FileInfo(Path.Combine(_dir, "spool.jsonl")).Length.ShouldBe(0);
        using var reopened = new AuditSpool(_dir);
        reopened.Depth.ShouldBe(0);
        reopened.LastSequence.ShouldBe(80);
    }

    [Fact]
    public async Task CorruptMarker_IsAClearError_NotASilentRestartFromZero()
    {
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(Path.Combine(_dir, "shipped"), "not a number", Encoding.ASCII);

        Should.Throw<InvalidDataException>(() => new AuditSpool(_dir)).Message.ShouldContain("shipped");
    }

    [Fact]
    public async Task QuarantinedRecord_IsKeptAside_AndTheRecordsBehindItComeNext()
    {
        using var spool = new AuditSpool(_dir);
        await spool.AppendAsync([Rec(1), Rec(2), Rec(3)], CancellationToken.None);

        await spool.QuarantineAsync([Rec(1)], "HTTP 400: records[0].user is longer than 4096 characters", CancellationToken.None);

        spool.Peek(10).Select(r => r.Sequence).ShouldBe([2L, 3L]);
        spool.Quarantined.ShouldBe(1);
        spool.ShippedThrough.ShouldBe(1);
        var kept = await File.ReadAllTextAsync(spool.QuarantinePath);
        kept.ShouldContain("records[0].user is longer");
        kept.ShouldContain("\"sequence\":1");
    }

    [Fact]
    public async Task QuarantineCount_SurvivesAReopen()
    {
        using (var spool = new AuditSpool(_dir))
        {
            await spool.AppendAsync([Rec(1), Rec(2)], CancellationToken.None);
            await spool.QuarantineAsync([Rec(1)], "HTTP 400", CancellationToken.None);
        }

        using var reopened = new AuditSpool(_dir);

        reopened.Quarantined.ShouldBe(1);
        reopened.Peek(10).Select(r => r.Sequence).ShouldBe([2L]);
    }

    [Fact]
    public async Task QuarantiningARecordThatIsNotTheOldest_IsRefused()
    {
        using var spool = new AuditSpool(_dir);
        await spool.AppendAsync([Rec(1), Rec(2)], CancellationToken.None);

        await Should.ThrowAsync<InvalidOperationException>(() => spool.QuarantineAsync([Rec(2)], "HTTP 400", CancellationToken.None));
        spool.Depth.ShouldBe(2);
    }
}
