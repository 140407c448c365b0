using Conjur.EventSourced.NodeAgent.Audit;

namespace Conjur.EventSourced.Tests.Unit.Audit;

/// <summary>Fields are fitted where a record is made, so the master never refuses one a client's input produced.</summary>
public sealed class AuditFieldsTests
{
    [Fact]
    public void ShortCleanField_IsTheSameString()
    {
        const string value = "acme:host:app";

        AuditFields.Cap(value).ShouldBeSameAs(value);
    }

    [Fact]
    public void FieldOverTheLimit_IsCutToTheLimit_WithAMarkerSayingTheOriginalLength()
    {
        var capped = AuditFields.Cap(new string('x', 4200))!;

        capped.Length.ShouldBe(AuditFields.MaxLength);
        capped.ShouldEndWith("...[truncated from 4200 characters]");
        capped.ShouldStartWith(new string('x', 100));
    }

    [Fact]
    public void CutThatWouldSplitASurrogatePair_KeepsThePairWhole()
    {
        var marker = AuditFields.Marker(5000);
        var keep = AuditFields.MaxLength - marker.Length;
        // A pair straddling the cut: its high half is the last character that would be kept.
        var value = new string('a', keep - 1) + "\U0001F600" + new string('b', 5000 - keep - 1);

        var capped = AuditFields.Cap(value)!;

        capped.Length.ShouldBeLessThanOrEqualTo(AuditFields.MaxLength);
        capped.ShouldEndWith(marker);
        char.IsHighSurrogate(capped[^(marker.Length + 1)]).ShouldBeFalse();
    }

    [Fact]
    public void Nul_BecomesTheReplacementCharacter() =>
        AuditFields.Cap("acme:user:a\0b").ShouldBe("acme:user:a\uFFFDb");

    [Fact]
    public void UnpairedSurrogate_BecomesTheReplacementCharacter() =>
        AuditFields.Cap("x\uD800y\uDC00").ShouldBe("x\uFFFDy\uFFFD");

    [Fact]
    public void PairedSurrogates_AreKept() =>
        AuditFields.Cap("ok \U0001F600").ShouldBe("ok \U0001F600");

    [Fact]
    public void BlankRequiredField_BecomesADash() => AuditFields.CapRequired("  ").ShouldBe("-");

    [Fact]
    public void MessageIdWithSpacesOrTooLong_IsFittedToRfc5424() =>
        AuditFields.MessageId("bad id " + new string('m', 40)).ShouldBe("bad_id_" + new string('m', 25));

    [Fact]
    public void RecordOfAHostileEvent_IsAcceptedByTheMaster()
    {
        var hostile = new string('\0', 10) + "\uD800" + new string('<', 10_000);
        var record = AuditRecord.From(new AuditEvent
        {
            MessageId = "authn with spaces", Operation = "", Success = false, Message = hostile, User = hostile, Subject = hostile,
            Authenticator = hostile, Service = hostile, ClientIp = hostile,
        }, "node4", 7);

        ShippedBatchValidation.Errors(new ShippedBatch { Origin = "node4", Records = [ShippedRecord.From(record)] }).ShouldBeEmpty();
    }
}
