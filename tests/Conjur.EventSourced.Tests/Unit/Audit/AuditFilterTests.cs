using Conjur.EventSourced.Cli.Audit;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Audit;

public sealed class AuditFilterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NoFilter_SelectsTheNewestRecords_OldestFirst()
    {
        var (sql, values) = new AuditFilter { Limit = 10 }.ToSql();

        sql.ShouldNotContain("WHERE");
        sql.ShouldContain("ORDER BY occurred_at DESC, origin DESC, sequence DESC LIMIT 10");
        sql.ShouldEndWith("ORDER BY occurred_at, origin, sequence");
        values.ShouldBeEmpty();
    }

    [Fact]
    public void EveryGivenFilter_IsAParameter_NeverText()
    {
        var (sql, values) = new AuditFilter { Origin = "node4", User = "a:host:x'; DROP TABLE audit_records; --", Action = "fetch", Result = "failure", Since = Now }.ToSql();

        sql.ShouldContain("origin = $1 AND user_id = $2 AND (message_id = $3 OR operation = $3) AND result = $4 AND occurred_at >= $5");
        sql.ShouldNotContain("DROP");
        values.Count.ShouldBe(5);
    }

    [Theory]
    [InlineData("15m", 15 * 60)]
    [InlineData("2h", 2 * 3600)]
    [InlineData("1d", 86400)]
    [InlineData("90s", 90)]
    public void Ages_CountBackFromNow(string text, int seconds)
    {
        AuditFilter.ParseTime(text, Now).ShouldBe(Now.AddSeconds(-seconds));
    }

    [Fact]
    public void IsoTimes_AreUtcUnlessTheySayOtherwise_AndNonsenseIsAClearError()
    {
        AuditFilter.ParseTime("2026-11-26", Now).ShouldBe(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        AuditFilter.ParseTime("2026-11-26T18:00:00+01:00", Now).ShouldBe(Now);
        Should.Throw<ConfigurationException>(() => AuditFilter.ParseTime("yesterday", Now)).Message.ShouldContain("ISO 8601");
        Should.Throw<ConfigurationException>(() => AuditFilter.ParseTime("5w", Now)).Message.ShouldContain("unit");
    }
}
