using System.Net.Sockets;
using Conjur.EventSourced.Cli.Drill;
using Npgsql;

namespace Conjur.EventSourced.Tests.Unit.Drill;

public sealed class WriteErrorsTests
{
    private static PostgresException Pg(string sqlState) => new("message", "ERROR", "ERROR", sqlState);

    [Theory]
    [InlineData("25006", WriteErrorClass.ReadOnly)]
    [InlineData("57P03", WriteErrorClass.Refused)]
    [InlineData("57P01", WriteErrorClass.Reset)]
    [InlineData("57P02", WriteErrorClass.Reset)]
    [InlineData("08006", WriteErrorClass.Reset)]
    [InlineData("57014", WriteErrorClass.Timeout)]
    [InlineData("23505", WriteErrorClass.Other)]
    public void PostgresErrors_ByTheirSqlState(string sqlState, WriteErrorClass expected)
    {
        WriteErrors.Classify(Pg(sqlState)).ShouldBe(expected);
    }

    [Fact]
    public void ConnectionRefused_InsideNpgsqlException_IsRefused()
    {
        var e = new NpgsqlException("Failed to connect to 127.0.0.1:17041", new SocketException((int)SocketError.ConnectionRefused));

        WriteErrors.Classify(e).ShouldBe(WriteErrorClass.Refused);
    }

    [Fact]
    public void ConnectionReset_InsideIOException_IsReset()
    {
        var e = new NpgsqlException("Exception while reading from stream",
            new IOException("Unable to read data", new SocketException((int)SocketError.ConnectionReset)));

        WriteErrors.Classify(e).ShouldBe(WriteErrorClass.Reset);
    }

    [Fact]
    public void StreamClosedByPeer_IsReset()
    {
        var e = new NpgsqlException("Exception while reading from stream", new EndOfStreamException("Attempted to read past the end of the stream."));

        WriteErrors.Classify(e).ShouldBe(WriteErrorClass.Reset);
    }

    [Fact]
    public void CommandTimeout_IsTimeout()
    {
        var e = new NpgsqlException("Exception while reading from stream", new TimeoutException("Timeout during reading attempt"));

        WriteErrors.Classify(e).ShouldBe(WriteErrorClass.Timeout);
    }

    [Fact]
    public void ReadOnlyWins_OverWhatWraps()
    {
        WriteErrors.Classify(new InvalidOperationException("wrapped", Pg("25006"))).ShouldBe(WriteErrorClass.ReadOnly);
    }

    [Fact]
    public void Unknown_IsOther()
    {
        WriteErrors.Classify(new InvalidOperationException("something else")).ShouldBe(WriteErrorClass.Other);
    }

    [Fact]
    public void Names_AreTheWordsOfTheReport()
    {
        Enum.GetValues<WriteErrorClass>().Select(WriteErrors.Name).ShouldBe(["read-only", "refused", "reset", "timeout", "other"]);
    }
}
