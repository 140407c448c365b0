using Conjur.EventSourced.NodeAgent.Audit;

namespace Conjur.EventSourced.Tests.Unit.Audit;

public sealed class ShippedBatchValidationTests
{
    private static ShippedRecord Good(long sequence) => new()
    {
        Sequence = sequence,
        Timestamp = DateTimeOffset.UtcNow,
        MessageId = "fetch",
        Operation = "fetch",
        Success = true,
        Message = "acme:host:app fetched acme:variable:x",
        User = "acme:host:app",
    };

    [Fact]
    public void WellFormedBatch_HasNoErrors_AndBecomesRecordsOfItsOrigin()
    {
        var batch = new ShippedBatch { Origin = "node4", Records = [Good(1), Good(2), Good(5)] };

        ShippedBatchValidation.Errors(batch).ShouldBeEmpty();
        ShippedBatchValidation.ToRecords(batch).Select(r => (r.Origin, r.Sequence)).ShouldBe([("node4", 1L), ("node4", 2L), ("node4", 5L)]);
    }

    [Fact]
    public void MissingOriginOrRecords_AreRefused()
    {
        ShippedBatchValidation.Errors(null).ShouldNotBeEmpty();
        ShippedBatchValidation.Errors(new ShippedBatch { Origin = "node4", Records = [] }).ShouldContain(e => e.Contains("'records'"));
        ShippedBatchValidation.Errors(new ShippedBatch { Origin = "Node 4!", Records = [Good(1)] }).ShouldContain(e => e.Contains("'origin'"));
    }

    [Fact]
    public void BadRecords_AreNamedByIndexAndField_WithoutTheirValues()
    {
        const string secret = "hunter2-do-not-echo";
        var batch = new ShippedBatch
        {
            Origin = "node4",
            Records =
            [
                Good(2),
                Good(2) with { User = secret, Message = null },
                Good(0) with { MessageId = "has space " + secret, Success = null, Timestamp = null },
                Good(9) with { Subject = new string('x', ShippedBatchValidation.MaxFieldLength + 1) },
            ],
        };

        var errors = ShippedBatchValidation.Errors(batch);

        errors.ShouldContain(e => e.StartsWith("records[1].sequence", StringComparison.Ordinal));
        errors.ShouldContain("records[1].message is required");
        errors.ShouldContain("records[2].sequence must be a positive integer");
        errors.ShouldContain(e => e.StartsWith("records[2].messageId", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("records[2].success", StringComparison.Ordinal));
        errors.ShouldContain("records[2].timestamp is required");
        errors.ShouldContain(e => e.StartsWith("records[3].subject is longer", StringComparison.Ordinal));
        errors.ShouldNotContain(e => e.Contains(secret));
    }

    [Fact]
    public void OversizedBatch_IsRefused()
    {
        var batch = new ShippedBatch { Origin = "node4", Records = Enumerable.Range(1, ShippedBatchValidation.MaxRecords + 1).Select(i => Good(i)).ToList() };

        ShippedBatchValidation.Errors(batch).ShouldHaveSingleItem().ShouldContain("at most");
    }

    [Fact]
    public void FieldTheDatabaseCannotStore_IsRefused_ByIndexAndField()
    {
        var batch = new ShippedBatch { Origin = "node4", Records = [Good(1) with { Subject = "a\0b" }] };

        ShippedBatchValidation.Errors(batch).ShouldBe(["records[0].subject holds a NUL or an unpaired surrogate, which the audit database cannot store"]);
    }
}
