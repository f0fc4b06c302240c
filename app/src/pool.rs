//! The page's pool of decoding workers ([`crate::worker`]): on the CPU tier one per core, up to
//! `navigator.hardwareConcurrency`, each with its own copy of the models; on the WebGPU tier one,
//! from the `coordsr-gpu` module. The page thread only queues jobs and composes their results;
//! encoding and decoding happen in the workers.
//!
//! Jobs wait in one queue on the page and a worker gets the next when it finishes the last, so a
//! job whose requester moved on (latest wins: a newer view on the same pane) is dropped before it
//! costs anything. A worker prefers the blocks it encoded before (its own cache) and takes any
//! block when none of its own waits.

use crate::protocol::{self, FromWorker, ToWorker};
use coordsr::image::Image;
use coordsr::tiles::{evict, Block, BlockCache, Tiling};
use coordsr::view::View;
use futures::channel::oneshot;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Slices a worker keeps; the oldest is forgotten (with its encoded blocks) beyond this.
const KEEP_SLICES: usize = BlockCache::KEEP_SLICES;

/// What a finished job gives back: the worker's reply head, its values, and for a view the
/// display pixels they belong to.
pub struct Reply {
    pub head: FromWorker,
    pub values: Vec<f32>,
    pub index: Option<Vec<u32>>,
}

pub type Answer = Result<Reply, String>;

/// What a job on a block asks.
pub enum Ask {
    /// Part `.1` of `.2` of the pixels of `view` in a block (the worker finds them).
    View(View, usize, usize),
    /// Values at these slice coordinates, with output pixels of `cell`.
    Sample(Vec<[f32; 2]>, [f32; 2]),
}

enum Work {
    /// A job on `block` of slice `key`: it goes where that block's encoding is.
    Block { key: String, slice: Rc<Image>, tiling: Tiling, model: &'static str, block: Block, ask: Ask },
    /// A job any worker can take (reading files, degrading, scoring): its message, built from
    /// the job's id, and the arrays it moves.
    Task { head: Box<dyn FnOnce(u32) -> ToWorker>, data: JsValue, transfer: js_sys::Array },
}

struct Job {
    id: u32,
    work: Work,
    /// False once the requester moved on: the job is dropped unsent.
    live: Rc<dyn Fn() -> bool>,
    reply: oneshot::Sender<Answer>,
}

impl Job {
    /// The encoded block this job needs, if any.
    fn block(&self) -> Option<(&str, &'static str, Block)> {
        match &self.work {
            Work::Block { key, model, block, .. } => Some((key, model, *block)),
            Work::Task { .. } => None,
        }
    }
}

struct Slot {
    worker: web_sys::Worker,
    ready: Cell<bool>,
    /// Why this worker stopped, if it did.
    dead: RefCell<Option<String>>,
    running: RefCell<Option<(u32, oneshot::Sender<Answer>)>>,
    /// Slices it holds, oldest first.
    slices: RefCell<VecDeque<String>>,
    /// Blocks it has encoded with their weights, least recently used first: a mirror of the
    /// worker's own cache (same rule, [`evict`], same order of use), so jobs on a block go where
    /// its encoding is. Only speed depends on the mirror being exact, never the result.
    blocks: RefCell<Vec<((String, &'static str, Block), usize)>>,
    started: RefCell<Option<oneshot::Sender<Result<(), String>>>>,
    _handlers: (Closure<dyn FnMut(web_sys::MessageEvent)>, Closure<dyn FnMut(web_sys::ErrorEvent)>),
}

/// Which module the workers run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The page's own module (`worker.js`): burn's CPU backend.
    Cpu,
    /// The `coordsr-gpu` module (`gpu-worker.js`): WebGPU through burn-wgpu.
    WebGpu,
}

impl Kind {
    fn script(self) -> &'static str {
        match self {
            Kind::Cpu => "./worker.js",
            Kind::WebGpu => "./gpu-worker.js",
        }
    }
}

pub struct Pool {
    kind: Kind,
    slots: RefCell<Vec<Rc<Slot>>>,
    queue: RefCell<VecDeque<Job>>,
    next_id: Cell<u32>,
}

impl Pool {
    /// Start `n` workers of `kind` (their script next to the page). They load their wasm (and
    /// check WebGPU) while the page fetches what they need; [`Starting::load`] gives them the
    /// models and returns the pool.
    pub fn start(kind: Kind, n: usize) -> Result<Starting, String> {
        let pool = Rc::new(Pool { kind, slots: RefCell::new(Vec::new()), queue: RefCell::new(VecDeque::new()), next_id: Cell::new(1) });
        let mut started = Vec::new();
        for index in 0..n.max(1) {
            let (tx, rx) = oneshot::channel();
            let slot = Self::spawn(&pool, index)?;
            *slot.started.borrow_mut() = Some(tx);
            pool.slots.borrow_mut().push(slot);
            started.push(rx);
        }
        Ok(Starting { pool, started })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Workers that are running.
    pub fn size(&self) -> usize {
        self.slots.borrow().iter().filter(|s| s.dead.borrow().is_none()).count()
    }

    fn spawn(pool: &Rc<Pool>, index: usize) -> Result<Rc<Slot>, String> {
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        options.set_name(&format!("coordsr decoder {index}"));
        let worker = web_sys::Worker::new_with_options(pool.kind.script(), &options).map_err(|e| format!("cannot start a decoding worker: {e:?}"))?;
        let weak: Weak<Pool> = Rc::downgrade(pool);
        let weak2 = weak.clone();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if let Some(pool) = weak.upgrade() {
                pool.on_message(index, &ev.data());
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |ev: web_sys::ErrorEvent| {
            ev.prevent_default();
            if let Some(pool) = weak2.upgrade() {
                let what = if ev.message().is_empty() { "it could not be loaded".to_string() } else { ev.message() };
                pool.on_dead(index, format!("decoding worker {index} stopped: {what}"));
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Rc::new(Slot {
            worker,
            ready: Cell::new(false),
            dead: RefCell::new(None),
            running: RefCell::new(None),
            slices: RefCell::new(VecDeque::new()),
            blocks: RefCell::new(Vec::new()),
            started: RefCell::new(None),
            _handlers: (on_message, on_error),
        }))
    }

    fn slot(&self, index: usize) -> Option<Rc<Slot>> {
        self.slots.borrow().get(index).cloned()
    }

    fn on_message(self: &Rc<Self>, index: usize, msg: &JsValue) {
        let Some(slot) = self.slot(index) else { return };
        let (head, data) = match protocol::read::<FromWorker>(msg) {
            Ok(m) => m,
            Err(e) => return self.on_dead(index, format!("decoding worker {index}: {e}")),
        };
        match head {
            FromWorker::Unusable { message } => return self.on_dead(index, message),
            FromWorker::Ready { .. } => {
                slot.ready.set(true);
                if let Some(tx) = slot.started.borrow_mut().take() {
                    let _ = tx.send(Ok(()));
                }
            }
            FromWorker::Models { errors } => {
                slot.ready.set(true);
                if let Some(tx) = slot.started.borrow_mut().take() {
                    let _ = tx.send(if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) });
                }
            }
            FromWorker::Values { .. } | FromWorker::Scan { .. } | FromWorker::Scored { .. } | FromWorker::Failed { .. } => {
                let running = slot.running.borrow_mut().take();
                if let Some((rid, tx)) = running {
                    if Some(rid) == head.id() {
                        let result = match head {
                            FromWorker::Failed { message, .. } => Err(message),
                            FromWorker::Scored { .. } => Ok(Reply { head, values: Vec::new(), index: None }),
                            _ => protocol::floats(&data).map(|values| Reply { head, values, index: protocol::index(msg) }),
                        };
                        let _ = tx.send(result);
                    }
                }
            }
        }
        self.dispatch();
    }

    fn on_dead(self: &Rc<Self>, index: usize, why: String) {
        let Some(slot) = self.slot(index) else { return };
        slot.ready.set(false);
        slot.worker.terminate();
        *slot.dead.borrow_mut() = Some(why.clone());
        if let Some(tx) = slot.started.borrow_mut().take() {
            let _ = tx.send(Err(why.clone()));
        }
        if let Some((_, tx)) = slot.running.borrow_mut().take() {
            let _ = tx.send(Err(why.clone()));
        }
        if self.size() == 0 {
            for job in self.queue.borrow_mut().drain(..) {
                let _ = job.reply.send(Err(why.clone()));
            }
        }
        self.dispatch();
    }

    /// Queue a job on `block` of slice `key` cut by `tiling`; the answer arrives on the receiver
    /// (or it is dropped unsent when `live` turns false first). Call [`Pool::dispatch`] after
    /// queueing.
    #[allow(clippy::too_many_arguments)]
    pub fn submit(
        self: &Rc<Self>,
        key: &str,
        slice: &Rc<Image>,
        tiling: Tiling,
        model: &'static str,
        block: Block,
        ask: Ask,
        live: Rc<dyn Fn() -> bool>,
    ) -> oneshot::Receiver<Answer> {
        self.queue_job(Work::Block { key: key.to_string(), slice: slice.clone(), tiling, model, block, ask }, live)
    }

    /// Run a job any worker can take, now: `head` builds its message from the job's id, `data`
    /// goes with it and the arrays in `transfer` move to the worker.
    pub async fn run(self: &Rc<Self>, head: impl FnOnce(u32) -> ToWorker + 'static, data: JsValue, transfer: js_sys::Array) -> Answer {
        let rx = self.queue_job(Work::Task { head: Box::new(head), data, transfer }, Rc::new(|| true));
        self.dispatch();
        rx.await.unwrap_or_else(|_| Err("the decoding workers stopped".into()))
    }

    fn queue_job(self: &Rc<Self>, work: Work, live: Rc<dyn Fn() -> bool>) -> oneshot::Receiver<Answer> {
        let (reply, rx) = oneshot::channel();
        if self.size() == 0 {
            let _ = reply.send(Err("no decoding worker is running".into()));
            return rx;
        }
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        self.queue.borrow_mut().push_back(Job { id, work, live, reply });
        rx
    }

    /// Give every idle worker its next job, in queue order (the centre first): a job on a block
    /// that a worker has encoded waits for that worker (encoding a block again costs more than a
    /// few of its jobs); a job on a block nobody holds goes to any idle worker.
    pub fn dispatch(self: &Rc<Self>) {
        self.queue.borrow_mut().retain(|j| !j.reply.is_canceled() && (j.live)());
        let slots: Vec<Rc<Slot>> = self.slots.borrow().clone();
        let holder = |j: &Job| {
            let (key, model, block) = j.block()?;
            slots.iter().position(|s| s.dead.borrow().is_none() && s.blocks.borrow().iter().any(|((k, m, b), _)| k == key && *m == model && *b == block))
        };
        for (index, slot) in slots.iter().enumerate() {
            if !slot.ready.get() || slot.dead.borrow().is_some() || slot.running.borrow().is_some() {
                continue;
            }
            let job = {
                let mut q = self.queue.borrow_mut();
                let pick = q.iter().position(|j| holder(j).is_none_or(|h| h == index));
                pick.and_then(|i| q.remove(i))
            };
            let Some(job) = job else { continue };
            if let Err(e) = self.send(slot, job) {
                self.on_dead(index, e);
                return;
            }
        }
    }

    fn send(&self, slot: &Slot, job: Job) -> Result<(), String> {
        let (head, data, transfer) = match job.work {
            Work::Task { head, data, transfer } => (head(job.id), data, transfer),
            Work::Block { key, slice, tiling, model, block, ask } => {
                // The slice first, once per worker. The worker's `BlockCache` keeps slices in the
                // order they arrived and drops the oldest beyond KEEP_SLICES; this list follows
                // the same rule, so it always knows what the worker holds.
                let held = slot.slices.borrow().iter().any(|k| *k == key);
                if !held {
                    let samples = js_sys::Float32Array::from(&slice.data[..]);
                    let head = ToWorker::Slice { key: key.clone(), width: slice.width, height: slice.height, block: tiling.size };
                    Self::post(slot, &head, &samples.clone().into(), &js_sys::Array::of1(&samples.buffer()))?;
                    let forgotten = {
                        let mut s = slot.slices.borrow_mut();
                        s.push_back(key.clone());
                        if s.len() > KEEP_SLICES { s.pop_front() } else { None }
                    };
                    if let Some(gone) = forgotten {
                        // The worker dropped it as it took the new one.
                        slot.blocks.borrow_mut().retain(|((k, _, _), _)| *k != gone);
                    }
                }
                {
                    let mut blocks = slot.blocks.borrow_mut();
                    let id = (key.clone(), model, block);
                    if let Some(i) = blocks.iter().position(|b| b.0 == id) {
                        blocks.remove(i);
                    }
                    blocks.push((id, tiling.weight(block)));
                    evict(&mut blocks, |b| b.1);
                }
                match ask {
                    Ask::View(view, part, parts) => {
                        (ToWorker::View { id: job.id, key, model: model.into(), block, view, part, parts }, JsValue::UNDEFINED, js_sys::Array::new())
                    }
                    Ask::Sample(coords, cell) => {
                        let flat: Vec<f32> = coords.iter().flat_map(|c| *c).collect();
                        let data = js_sys::Float32Array::from(&flat[..]);
                        let transfer = js_sys::Array::of1(&data.buffer());
                        (ToWorker::Sample { id: job.id, key, model: model.into(), block, cell }, data.into(), transfer)
                    }
                }
            }
        };
        Self::post(slot, &head, &data, &transfer)?;
        *slot.running.borrow_mut() = Some((job.id, job.reply));
        Ok(())
    }

    fn post(slot: &Slot, head: &ToWorker, data: &JsValue, transfer: &js_sys::Array) -> Result<(), String> {
        let data = (!data.is_undefined()).then_some(data);
        let msg = protocol::message(head, data, None)?;
        slot.worker.post_message_with_transfer(&msg, transfer).map_err(|e| format!("cannot reach a decoding worker: {e:?}"))
    }
}

/// Workers starting ([`Pool::start`]).
pub struct Starting {
    pool: Rc<Pool>,
    started: Vec<oneshot::Receiver<Result<(), String>>>,
}

impl Starting {
    /// Wait for the workers and load the weights files into each (in the order of
    /// [`crate::protocol::MODELS`]; any may be missing). Fails when no worker starts, with the first worker's reason (e.g. WebGPU
    /// failed its check).
    pub async fn load(self, models: [Option<&[u8]>; 3]) -> Result<Rc<Pool>, String> {
        let Starting { pool, started } = self;
        let mut errors = Vec::new();
        for rx in started {
            if let Err(e) = rx.await.unwrap_or_else(|_| Err("a worker stopped while starting".into())) {
                errors.push(e);
            }
        }
        let files = js_sys::Array::new();
        for m in models {
            files.push(&m.map_or(JsValue::NULL, |b| js_sys::Uint8Array::from(b).into()));
        }
        let live: Vec<Rc<Slot>> = pool.slots.borrow().iter().filter(|s| s.ready.get()).cloned().collect();
        if live.is_empty() {
            return Err(errors.first().cloned().unwrap_or_else(|| "no decoding worker started".into()));
        }
        // All at once: each worker reads its copy while the others read theirs.
        let mut loaded = Vec::new();
        for slot in &live {
            slot.ready.set(false);
            let (tx, rx) = oneshot::channel();
            *slot.started.borrow_mut() = Some(tx);
            Pool::post(slot, &ToWorker::Models, &files.clone().into(), &js_sys::Array::new())?;
            loaded.push(rx);
        }
        for rx in loaded {
            rx.await.unwrap_or_else(|_| Err("a worker stopped while loading the models".into()))?;
        }
        Ok(pool)
    }
}

/// Workers to start: one per core the browser reports, at least one, at most 8.
pub fn workers_wanted() -> usize {
    web_sys::window().map(|w| w.navigator().hardware_concurrency() as usize).unwrap_or(2).clamp(1, 8)
}
