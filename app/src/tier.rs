//! The capability tier, decided once at start-up: WebGPU through burn-wgpu, or burn's CPU
//! backend in wasm. Everything downstream asks the tier instead of probing again.

use burn::tensor::Device;
use coordsr::geometry::Grid;
use coordsr::model::ModelConfig;
use wasm_bindgen::JsValue;

#[derive(Clone, Debug)]
pub enum Tier {
    WebGpu { device: Device, adapter: String },
    Cpu { device: Device, reason: String },
}

impl Tier {
    pub fn device(&self) -> &Device {
        match self {
            Tier::WebGpu { device, .. } | Tier::Cpu { device, .. } => device,
        }
    }

    /// What the status line says.
    pub fn describe(&self) -> String {
        match self {
            Tier::WebGpu { adapter, .. } => format!("WebGPU ({adapter})"),
            Tier::Cpu { reason, .. } => format!("CPU fallback ({reason})"),
        }
    }
}

fn cpu(reason: impl Into<String>) -> Tier {
    Tier::Cpu { device: Device::flex(), reason: reason.into() }
}

/// Adapter name as the browser reports it (vendor/architecture/description).
async fn adapter_name() -> Option<String> {
    let nav = web_sys::window()?.navigator();
    let gpu = js_sys::Reflect::get(&nav, &JsValue::from_str("gpu")).ok()?;
    if gpu.is_undefined() || gpu.is_null() {
        return None;
    }
    let request = js_sys::Reflect::get(&gpu, &JsValue::from_str("requestAdapter")).ok()?;
    let promise = js_sys::Function::from(request).call0(&gpu).ok()?;
    let adapter = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await.ok()?;
    if adapter.is_null() || adapter.is_undefined() {
        return None;
    }
    let info = js_sys::Reflect::get(&adapter, &JsValue::from_str("info")).ok()?;
    let field = |k: &str| js_sys::Reflect::get(&info, &JsValue::from_str(k)).ok().and_then(|v| v.as_string()).filter(|s| !s.is_empty());
    Some(
        [field("vendor"), field("architecture"), field("description")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
            .trim()
            .to_string(),
    )
    .map(|s| if s.is_empty() { "adapter".to_string() } else { s })
}

/// Decide the tier: WebGPU when the browser has an adapter *and* a small decode on it works
/// end to end (compile, run, read back); the CPU backend otherwise. `force_cpu` comes from the
/// `?backend=cpu` URL parameter.
pub async fn detect(force_cpu: bool) -> Tier {
    if force_cpu {
        return cpu("requested with ?backend=cpu");
    }
    let Some(adapter) = adapter_name().await else {
        return cpu("this browser offers no WebGPU adapter");
    };
    let device = match Device::wgpu_options().init_async().await {
        Ok(d) => d,
        Err(e) => return cpu(format!("WebGPU failed to start: {e}")),
    };
    // A smoke test through the same path the viewer uses.
    let mut config = ModelConfig::coord();
    config.encoder.channels = 4;
    config.encoder.blocks = 1;
    let model = config.init(&device);
    let lr = coordsr::image::Image::from_fn(8, 8, |x, y| (x + y) as f32);
    let enc = model.encode(&lr, &device);
    let grid = Grid::upscaled(8, 8, 2.0, 2.0);
    let out = model.query_chunk(&enc, &grid.hr_coords()[..16], grid.cell());
    match out.into_data_async().await {
        Ok(d) if d.num_elements() == 16 => Tier::WebGpu { device, adapter },
        Ok(_) => cpu("WebGPU returned a wrong result size"),
        Err(e) => cpu(format!("WebGPU read-back failed: {e:?}")),
    }
}
