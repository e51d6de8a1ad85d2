// Web Vitals from real visitors who allowed analytics: LCP, CLS and INP go into the
// dataLayer (GTM forwards them to GA4). Loaded only with analytics consent.
(function () {
  "use strict";
  if (!window.webVitals) return;
  function report(metric) {
    window.dataLayer = window.dataLayer || [];
    window.dataLayer.push({
      event: "web_vitals",
      metric: {
        name: metric.name,
        // Milliseconds for LCP and INP; CLS is a unitless score, kept to 4 decimals.
        value: metric.name === "CLS" ? Math.round(metric.value * 10000) / 10000 : Math.round(metric.value),
        rating: metric.rating,
        id: metric.id,
      },
    });
  }
  window.webVitals.onLCP(report);
  window.webVitals.onCLS(report);
  window.webVitals.onINP(report);
})();
