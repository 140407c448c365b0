using Conjur.EventSourced.NodeAgent.Audit;

namespace Conjur.EventSourced.Tests.Unit.Audit;

public sealed class Rfc5424Tests
{
    private static readonly AuditRecord Fetch = new()
    {
        Origin = "node4",
        Sequence = 7,
        Timestamp = new DateTimeOffset(2026, 11, 26, 17, 0, 1, 234, TimeSpan.FromHours(1)),
        MessageId = "fetch",
        Operation = "fetch",
        Success = true,
        Message = "acme:host:app fetched version 3 of acme:variable:db/pw",
        User = "acme:host:app",
        Subject = "acme:variable:db/pw",
        Authenticator = "authn",
        ClientIp = "10.0.0.7",
    };

    [Fact]
    public void SuccessfulFetch_RendersConjursLine_InUtc_WithAuthprivInfoPriority()
    {
        Rfc5424.Render(Fetch).ShouldBe(
            "<86>1 2026-11-26T16:00:01.234Z node4 conjur - fetch "
            + "[subject@43868 resource=\"acme:variable:db/pw\"][auth@43868 user=\"acme:host:app\" authenticator=\"authn\"]"
            + "[action@43868 result=\"success\" operation=\"fetch\"][client@43868 ip=\"10.0.0.7\"] "
            + "acme:host:app fetched version 3 of acme:variable:db/pw");
    }

    [Fact]
    public void FailedAuthentication_IsAWarning_TheSubjectIsARole_AndUnknownFieldsAreLeftOut()
    {
        var failed = Fetch with
        {
            MessageId = "authn",
            Operation = "authenticate",
            Success = false,
            User = null,
            Subject = "acme:user:alice",
            Service = "acme:webservice:conjur/authn",
            ClientIp = null,
            Message = "acme:user:alice failed to authenticate with authenticator authn",
        };

        var line = Rfc5424.Render(failed);

        line.ShouldStartWith("<84>1 ");
        line.ShouldContain(" conjur - authn [subject@43868 role=\"acme:user:alice\"][auth@43868 authenticator=\"authn\" service=\"acme:webservice:conjur/authn\"][action@43868 result=\"failure\" operation=\"authenticate\"] acme:user:alice");
        line.ShouldNotContain("client@43868");
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("say \"hi\"", "say \\\"hi\\\"")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("a]b", "a\\]b")]
    [InlineData("[open", "[open")]
    [InlineData("line\nbreak\ttab", "line break tab")]
    public void ParamValues_EscapeQuoteBackslashAndClosingBracket_AsRfc5424Requires(string value, string escaped)
    {
        Rfc5424.EscapeParamValue(value).ShouldBe(escaped);
    }

    [Fact]
    public void HostileSubject_CannotCloseItsElementEarly_NorSplitTheLine()
    {
        var line = Rfc5424.Render(Fetch with { Subject = "acme:variable:x\"] [action@43868 result=\"success\"", Message = "two\nlines" });

        line.ShouldContain("[subject@43868 resource=\"acme:variable:x\\\"\\] [action@43868 result=\\\"success\\\"\"]");
        line.ShouldNotContain("\n");
        line.ShouldEndWith(" two lines");
    }

    [Fact]
    public void HeaderFields_ArePrintableWithoutSpaces_AndNilWhenEmpty()
    {
        Rfc5424.HeaderField("bad id", 32).ShouldBe("bad_id");
        Rfc5424.HeaderField("", 32).ShouldBe("-");
        Rfc5424.HeaderField(new string('m', 40), 32).Length.ShouldBe(32);
    }

    [Fact]
    public void RenderedLine_HoldsOnlyTheRecordsFields()
    {
        // The record has no field for a secret value, so none can be rendered: the line is exactly the fields.
        typeof(AuditRecord).GetProperties().Select(p => p.Name).ShouldBe(
            ["Origin", "Sequence", "Timestamp", "MessageId", "Operation", "Success", "Message", "User", "Subject", "Authenticator", "Service", "ClientIp", "Result"],
            ignoreOrder: true);
    }
}
