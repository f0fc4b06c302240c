//! The capability tier, decided once at start-up: WebGPU through burn-wgpu (in a decoding
//! worker of its own, [`crate::pool::Kind::WebGpu`]), or burn's CPU backend in wasm. Everything
//! downstream asks the tier instead of probing again.

use wasm_bindgen::JsValue;

#[derive(Clone, Debug)]
pub enum Tier {
    WebGpu { adapter: String },
    Cpu { reason: String },
}

impl Tier {
    /// What the status line says.
    pub fn describe(&self) -> String {
        match self {
            Tier::WebGpu { adapter, .. } => format!("WebGPU ({adapter})"),
            Tier::Cpu { reason, .. } => format!("CPU fallback ({reason})"),
        }
    }
}

pub fn cpu(reason: impl Into<String>) -> Tier {
    Tier::Cpu { reason: reason.into() }
}

/// Which tier the URL asks for: `?backend=cpu` or `?backend=webgpu`, else automatic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Requested {
    Auto,
    Cpu,
    WebGpu,
}

impl Requested {
    pub fn from_param(p: Option<&str>) -> Self {
        match p {
            Some("cpu") => Requested::Cpu,
            Some("webgpu") => Requested::WebGpu,
            _ => Requested::Auto,
        }
    }
}

/// The adapter as the browser describes it.
struct Adapter {
    /// vendor / architecture / description, joined.
    name: String,
    /// `GPUAdapterInfo.isFallbackAdapter` (or the older `GPUAdapter.isFallbackAdapter`).
    fallback: bool,
}

async fn adapter() -> Option<Adapter> {
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).ok().filter(|v| !v.is_undefined() && !v.is_null());
    let nav = web_sys::window()?.navigator();
    let gpu = get(&nav, "gpu")?;
    let request = get(&gpu, "requestAdapter")?;
    let promise = js_sys::Function::from(request).call0(&gpu).ok()?;
    let adapter = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await.ok()?;
    if adapter.is_null() || adapter.is_undefined() {
        return None;
    }
    let info = get(&adapter, "info");
    let field = |k: &str| info.as_ref().and_then(|i| get(i, k)).and_then(|v| v.as_string()).filter(|s| !s.is_empty());
    let name = [field("vendor"), field("architecture"), field("description")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let flag = |o: Option<JsValue>| o.and_then(|v| v.as_bool()).unwrap_or(false);
    let fallback = flag(info.as_ref().and_then(|i| get(i, "isFallbackAdapter"))) || flag(get(&adapter, "isFallbackAdapter"));
    Some(Adapter { name: if name.trim().is_empty() { "adapter".into() } else { name.trim().to_string() }, fallback })
}

/// Why an adapter is a software renderer, if it is one. A software WebGPU (SwiftShader, llvmpipe,
/// lavapipe: virtual machines, remote desktops, Linux without GPU drivers) runs our decoder
/// 100–300× slower than the CPU tier on the same cores (BENCHMARKS.md), so it is not chosen unless
/// asked for.
pub fn software_reason(name: &str, fallback: bool) -> Option<String> {
    if fallback {
        return Some(format!("the WebGPU adapter ({name}) is a fallback (software) adapter"));
    }
    let lower = name.to_lowercase();
    ["swiftshader", "llvmpipe", "lavapipe", "softpipe", "software", "warp"]
        .iter()
        .find(|k| lower.split(|c: char| !c.is_alphanumeric()).any(|w| w == **k))
        .map(|k| format!("the WebGPU adapter ({name}) is a software renderer ({k})"))
}

/// Decide the tier: WebGPU when the browser has a hardware adapter, the CPU backend otherwise.
/// `?backend=cpu` forces the CPU; `?backend=webgpu` takes any adapter, software ones included.
/// WebGPU is only a candidate here: its worker checks it end to end (a small decode, read back)
/// as it starts, and the page falls back to the CPU with that worker's reason if it fails.
pub async fn detect(requested: Requested) -> Tier {
    if requested == Requested::Cpu {
        return cpu("requested with ?backend=cpu");
    }
    let Some(adapter) = adapter().await else {
        return cpu("this browser offers no WebGPU adapter");
    };
    if requested == Requested::Auto {
        if let Some(why) = software_reason(&adapter.name, adapter.fallback) {
            return cpu(format!("{why}, slower than the CPU; ?backend=webgpu forces it"));
        }
    }
    Tier::WebGpu { adapter: adapter.name }
}
