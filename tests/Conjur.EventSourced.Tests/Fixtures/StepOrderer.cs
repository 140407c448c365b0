using Xunit.Abstractions;
using Xunit.Sdk;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>Runs a class's tests in the order of their <see cref="StepAttribute"/>: for scenarios sharing a cluster where a later one breaks it.</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string Name = "Conjur.EventSourced.Tests.Fixtures.StepOrderer";
    public const string Assembly = "Conjur.EventSourced.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName!)
            .FirstOrDefault()?.GetNamedArgument<int>(nameof(StepAttribute.Order)) ?? 0);
}

[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute : Attribute
{
    public int Order { get; set; }
}
