//! The WebGPU display: decoded intensities as an r32float texture, window/level and colour map
//! in `shaders/display.wgsl`. Used on the WebGPU tier; the CPU tier draws through a 2D context
//! ([`super::draw`]) with the same mapping.

use super::Window;
use coordsr::image::Image;
use web_sys::HtmlCanvasElement;

const OFFSCREEN_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

pub struct GpuDisplay {
    canvas: HtmlCanvasElement,
    surface: wgpu::Surface<'static>,
    device: wgpu::Device,
    queue: wgpu::Queue,
    pipeline: wgpu::RenderPipeline,
    /// The same shader into an RGBA texture that can be read back: how the display is checked
    /// (headless browsers' screenshots do not capture WebGPU canvases).
    offscreen: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    params: wgpu::Buffer,
    config: wgpu::SurfaceConfiguration,
    texture: Option<(wgpu::Texture, usize, usize)>,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    center: f32,
    width: f32,
    colormap: u32,
    _pad: u32,
}

impl GpuDisplay {
    pub async fn new(canvas: HtmlCanvasElement) -> Result<Self, String> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::BROWSER_WEBGPU;
        let instance = wgpu::Instance::new(desc);
        let (w, h) = (canvas.width().max(1), canvas.height().max(1));
        let surface = instance.create_surface(wgpu::SurfaceTarget::Canvas(canvas.clone())).map_err(|e| e.to_string())?;
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions { compatible_surface: Some(&surface), ..Default::default() })
            .await
            .map_err(|e| e.to_string())?;
        let (device, queue) = adapter.request_device(&wgpu::DeviceDescriptor::default()).await.map_err(|e| e.to_string())?;
        let config = surface.get_default_config(&adapter, w, h).ok_or("the canvas cannot show WebGPU output")?;
        surface.configure(&device, &config);
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("display.wgsl"),
            source: wgpu::ShaderSource::Wgsl(include_str!("../../../shaders/display.wgsl").into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("display"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: false },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer { ty: wgpu::BufferBindingType::Uniform, has_dynamic_offset: false, min_binding_size: None },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("display"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = Self::pipeline_for(&device, &shader, &pipeline_layout, config.format);
        let params = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("display params"),
            size: std::mem::size_of::<Params>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let offscreen = Self::pipeline_for(&device, &shader, &pipeline_layout, OFFSCREEN_FORMAT);
        Ok(Self { canvas, surface, device, queue, pipeline, offscreen, layout, params, config, texture: None })
    }

    fn pipeline_for(device: &wgpu::Device, shader: &wgpu::ShaderModule, layout: &wgpu::PipelineLayout, format: wgpu::TextureFormat) -> wgpu::RenderPipeline {
        device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("display"),
            layout: Some(layout),
            vertex: wgpu::VertexState { module: shader, entry_point: Some("vs_main"), buffers: &[], compilation_options: Default::default() },
            fragment: Some(wgpu::FragmentState {
                module: shader,
                entry_point: Some("fs_main"),
                targets: &[Some(format.into())],
                compilation_options: Default::default(),
            }),
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            multiview_mask: None,
            cache: None,
        })
    }

    /// Upload a new frame (the canvas's backing size) and draw it.
    pub fn show(&mut self, image: &Image, window: Window, colormap: u32) {
        let (w, h) = (image.width, image.height);
        if (self.config.width as usize, self.config.height as usize) != (w, h) {
            // The canvas's backing store is the decoded size: one texel per display pixel.
            self.canvas.set_width(w as u32);
            self.canvas.set_height(h as u32);
            self.config.width = w as u32;
            self.config.height = h as u32;
            self.surface.configure(&self.device, &self.config);
        }
        self.upload(image);
        self.redraw(window, colormap);
    }

    fn upload(&mut self, image: &Image) {
        let (w, h) = (image.width, image.height);
        if self.texture.as_ref().is_none_or(|t| (t.1, t.2) != (w, h)) {
            let t = self.device.create_texture(&wgpu::TextureDescriptor {
                label: Some("frame"),
                size: wgpu::Extent3d { width: w as u32, height: h as u32, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: wgpu::TextureFormat::R32Float,
                usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                view_formats: &[],
            });
            self.texture = Some((t, w, h));
        }
        let texture = &self.texture.as_ref().unwrap().0;
        self.queue.write_texture(
            wgpu::TexelCopyTextureInfo { texture, mip_level: 0, origin: wgpu::Origin3d::ZERO, aspect: wgpu::TextureAspect::All },
            bytemuck::cast_slice(&image.data),
            wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(4 * w as u32), rows_per_image: Some(h as u32) },
            wgpu::Extent3d { width: w as u32, height: h as u32, depth_or_array_layers: 1 },
        );
    }

    fn bind_group(&self, window: Window, colormap: u32) -> Option<wgpu::BindGroup> {
        let (texture, _, _) = self.texture.as_ref()?;
        let p = Params { center: window.center, width: window.width, colormap, _pad: 0 };
        self.queue.write_buffer(&self.params, 0, bytemuck::bytes_of(&p));
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        Some(self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("display"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: wgpu::BindingResource::TextureView(&view) },
                wgpu::BindGroupEntry { binding: 1, resource: self.params.as_entire_binding() },
            ],
        }))
    }

    fn encode_pass(&self, encoder: &mut wgpu::CommandEncoder, pipeline: &wgpu::RenderPipeline, bind: &wgpu::BindGroup, target: &wgpu::TextureView) {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("display"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                resolve_target: None,
                depth_slice: None,
                ops: wgpu::Operations { load: wgpu::LoadOp::Clear(wgpu::Color::BLACK), store: wgpu::StoreOp::Store },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind, &[]);
        pass.draw(0..3, 0..1);
    }

    /// Run the display shader on `image` into an offscreen RGBA texture and read the pixels back
    /// (RGBA, row-major): what the canvas would show.
    pub async fn render_to_pixels(&mut self, image: &Image, window: Window, colormap: u32) -> Result<Vec<u8>, String> {
        let (w, h) = (image.width as u32, image.height as u32);
        self.upload(image);
        let bind = self.bind_group(window, colormap).ok_or("no frame")?;
        let target = self.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("display check"),
            size: wgpu::Extent3d { width: w, height: h, depth_or_array_layers: 1 },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: OFFSCREEN_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let row = (4 * w).div_ceil(256) * 256;
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("display check"),
            size: (row * h) as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("display check") });
        self.encode_pass(&mut encoder, &self.offscreen, &bind, &target.create_view(&wgpu::TextureViewDescriptor::default()));
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo { texture: &target, mip_level: 0, origin: wgpu::Origin3d::ZERO, aspect: wgpu::TextureAspect::All },
            wgpu::TexelCopyBufferInfo { buffer: &buffer, layout: wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(row), rows_per_image: Some(h) } },
            wgpu::Extent3d { width: w, height: h, depth_or_array_layers: 1 },
        );
        self.queue.submit([encoder.finish()]);
        // wgpu wants a Send callback, hence the mutex (the page has one thread).
        let done: std::sync::Arc<std::sync::Mutex<Option<Result<(), wgpu::BufferAsyncError>>>> = Default::default();
        let flag = done.clone();
        buffer.slice(..).map_async(wgpu::MapMode::Read, move |r| *flag.lock().unwrap() = Some(r));
        // The browser resolves the mapping on its own schedule; wait for it without blocking.
        let result = loop {
            if let Some(r) = done.lock().unwrap().take() {
                break r;
            }
            gloo::timers::future::TimeoutFuture::new(5).await;
        };
        result.map_err(|e| e.to_string())?;
        let mapped = buffer.slice(..).get_mapped_range().map_err(|e| format!("{e:?}"))?;
        let mut out = Vec::with_capacity((4 * w * h) as usize);
        for y in 0..h {
            let start = (y * row) as usize;
            out.extend_from_slice(&mapped[start..start + 4 * w as usize]);
        }
        drop(mapped);
        buffer.unmap();
        Ok(out)
    }

    /// Draw the last frame with another window or colour map.
    pub fn redraw(&mut self, window: Window, colormap: u32) {
        let Some(bind) = self.bind_group(window, colormap) else { return };
        // A resized canvas may report its surface outdated once: reconfigure and try again.
        let mut frame = None;
        for _ in 0..2 {
            match self.surface.get_current_texture() {
                wgpu::CurrentSurfaceTexture::Success(t) | wgpu::CurrentSurfaceTexture::Suboptimal(t) => {
                    frame = Some(t);
                    break;
                }
                other => {
                    web_sys::console::warn_1(&format!("display: surface {other:?}; reconfiguring").into());
                    self.surface.configure(&self.device, &self.config);
                }
            }
        }
        let Some(frame) = frame else { return };
        let target = frame.texture.create_view(&wgpu::TextureViewDescriptor::default());
        let mut encoder = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("display") });
        self.encode_pass(&mut encoder, &self.pipeline, &bind, &target);
        self.queue.submit([encoder.finish()]);
        self.queue.present(frame);
    }
}

/// The display check behind `window.coordsrDisplayCheck()` ([`crate::hooks`]): run the WGSL
/// display on a test frame (a ramp through and beyond the window, with NaN pixels) in both colour
/// maps, read the pixels back, and resolve to the largest difference (0–255) from the Canvas 2D
/// mapping ([`super::colour`]). The browser test asserts it is at most 1 (rounding).
pub async fn check() -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
    use wasm_bindgen::prelude::*;
    let err = |e: String| JsValue::from_str(&e);
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| err("no document".into()))?;
    let canvas: HtmlCanvasElement =
        wasm_bindgen::JsCast::unchecked_into(document.create_element("canvas").map_err(|_| err("no canvas".into()))?);
    let (w, h) = (67usize, 23usize);
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let mut display = GpuDisplay::new(canvas).await.map_err(err)?;
    let image = Image::from_fn(w, h, |x, y| if (x + 3 * y) % 11 == 0 { f32::NAN } else { -40.0 + 300.0 * x as f32 / (w - 1) as f32 + y as f32 });
    let win = Window { center: 110.0, width: 180.0 };
    let mut worst = 0u8;
    for colormap in [0, 1] {
        let pixels = display.render_to_pixels(&image, win, colormap).await.map_err(err)?;
        for (px, v) in pixels.chunks_exact(4).zip(&image.data) {
            let want = if v.is_nan() {
                [17, 17, 17]
            } else {
                super::colour((v - (win.center - win.width / 2.0)) / win.width, colormap)
            };
            for c in 0..3 {
                worst = worst.max(px[c].abs_diff(want[c]));
            }
        }
    }
    Ok(JsValue::from_f64(worst as f64))
}
