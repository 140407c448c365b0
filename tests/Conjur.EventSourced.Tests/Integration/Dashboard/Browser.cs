using Microsoft.Playwright;

namespace Conjur.EventSourced.Tests.Integration.Dashboard;

/// <summary>
/// Debian's chromium, headless, driven by Playwright: Playwright's own browser download is never used
/// (it cannot be fetched here), only its driver, which ships inside the NuGet package.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    public static async Task<Browser> OpenAsync(string url)
    {
        File.Exists(Chromium).ShouldBeTrue($"{Chromium} is missing: run scripts/install-deps.sh (it installs Debian's chromium)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Root in a sandbox-less container: chromium's own sandbox cannot start.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            Timeout = 60_000,
        });
        // The control plane's certificate is from the cluster's own CA, which this throwaway browser does not hold; the
        // certificate itself is verified against tls.ca by LeastPrivilegeTests.ClientHttps, this test looks at the page.
        var page = await browser.NewPageAsync(new BrowserNewPageOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 1100 }, ColorScheme = ColorScheme.Dark, IgnoreHTTPSErrors = true,
        });
        await page.GotoAsync(url, new PageGotoOptions { Timeout = 30_000 });
        return new Browser(playwright, browser, page);
    }

    /// <summary>Answers the page's sign-in prompt with <paramref name="token"/> and waits for the prompt to go.</summary>
    public async Task SignInAsync(string token)
    {
        await Page.GetByTestId("signin-token").FillAsync(token, new LocatorFillOptions { Timeout = 10_000 });
        await Page.GetByTestId("signin-submit").ClickAsync(new LocatorClickOptions { Timeout = 10_000 });
        await Page.GetByTestId("signin").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Hidden, Timeout = 15_000 });
    }

    public Task<string> TextAsync(string testId) => Page.GetByTestId(testId).InnerTextAsync(new LocatorInnerTextOptions { Timeout = 5_000 });

    public async Task<string> ScreenshotAsync(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
