"""What to screen a question for about health: crisis, a medical emergency, a diagnosis, a dose.

Patterns are data, in the pattern language of `patterns.py` (<<NAME>> fragments, lower-case English)."""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------------------
# Crisis: self-harm, suicide, wanting to die, harming others.
# ---------------------------------------------------------------------------------------------------------
_CRISIS_EN = [
    r"\bkill(ing|ed)? my ?self\b",  # "I want to kill myself", "thinking of killing myself"
    r"\b(want|wanna|going|gonna|plan\w*|thinking (about|of)|think about|urge|feel like|tempted|trying) (to )?(hurt(ing)?|harm(ing)?|cut(ting)?|hang(ing)?|shoot(ing)?|poison(ing)?|starv(e|ing)|drown(ing)?) my ?self\b",  # intent to self-harm
    r"\bself[- ]?harm\w*\b",  # self-harm, self harming
    r"\bcutting my ?self\b",  # cutting
    r"\bsuicid(e|al)\b",  # suicide, suicidal (statistics and the insurance clause are suppressed)
    r"\b(want|wanna|wish|ready|plan\w*|trying|deserve) (to )?die\b",  # "I want to die"
    r"\bwish (i|i'd) (was|were|had been) (dead|never born)\b",  # "I wish I were dead"
    r"\bwish i could (die|disappear forever|just disappear)\b",  # wishing to die
    r"\bend(ing)? (it all|everything|my (own )?life(?! insurance| cover| policy| savings))\b",  # "thinking about ending it all"
    r"\btake my (own )?life\b(?! savings| insurance)",  # "take my own life"
    r"\b(don't|do not|dont|no longer|never) (really )?want to (live|be alive|exist|wake up|go on)\b(?! in\b| with\b| near\b| there\b| at\b| on\b| abroad\b| together\b| next\b)",  # "I don't want to live anymore"
    r"\b(no|not any|not a single) (reason|point) (to|in) (live|living|go on|going on|being alive|stay alive|staying alive)\b",  # no reason to live
    r"\b(not|no longer|isn't|is not) worth living\b",  # life not worth living
    r"\bbetter off (dead|without me)\b",  # "everyone would be better off without me"
    r"\bcan't go on (any ?more|like this|any longer)\b",  # "I can't go on anymore"
    r"\b(go to sleep|fall asleep) and (never|not) wake up\b",  # passive death wish
    r"\b(want|wanna|going|gonna|plan\w*|thinking (about|of)|think about|how (to|do i|can i)|i will|i'll|i'm going to|i am going to) (to )?(kill|murder|hurt|stab|shoot|poison|strangle) (him|her|them|someone|somebody|people|everyone|my (wife|husband|boss|mom|mother|dad|father|brother|sister|son|daughter|kids?|child|children|baby|neighbou?r|partner|girlfriend|boyfriend|ex|teacher|classmate|coworker|colleague|roommate|landlord|family))\b",  # intent to harm others
]
_CRISIS_ZH = [
    r"不想(再)?活",  # "我不想活了"
    r"活不下去",  # "I can't go on living"
    r"活着(真|好|太)?没(有)?(意思|意义|劲|盼头)",  # "活着没意思"
    r"活着(还)?有什么(意思|意义|用)",  # "what's the point of living"
    r"没有活下去的(理由|意义|勇气|动力|希望)",  # no reason to live
    r"活够了",  # "I've had enough of living"
    r"(?<!不)想死",  # "我想死" (idioms like 想死你了 are suppressed)
    r"(我|真|好|很)?(想|要|该)去死",  # "我想去死"
    r"自杀|轻生|寻死|自尽|自缢",  # suicide words
    r"自残|自伤|割腕|伤害自己|划(伤|破)?自己",  # self-harm
    r"上吊|跳楼|跳河|跳桥|烧炭|卧轨",  # methods (shop slang 跳楼价 is suppressed)
    r"(吃|吞)(安眠药|药)(自杀|寻死|去死|死掉)",  # overdose with intent
    r"结束(自己|我)的?(生命|一生|这一切)|结束自己|结束生命",  # "想结束自己的生命"
    r"了结(自己|生命|此生|这一生|残生)",  # "end my life"
    r"一了百了|不如死了|死了(算了|就好了|就解脱了|反而轻松)",  # "I'd be better off dead"
    r"离开这个世界|告别这个世界|从这个世界上?消失|永远(地)?消失",  # euphemisms for dying
    r"(睡着|睡过去)(了)?就?(不要|不想|别|再也不)醒",  # "I want to sleep and never wake"
    r"(没有|没了)我<<GAP>>{0,6}(会)?(更好|更轻松|解脱)",  # "everyone is better off without me"
    r"(想|要|打算|准备)(去)?(杀|弄死|砍死|捅死|杀死|掐死|毒死)(了)?(他|她|他们|她们|人|全家|老板|我?老婆|我?老公|我?妈|我?爸|同事|邻居|孩子)",  # intent to kill others
    r"杀了(他|她|他们|她们|老板|我老婆|我老公|那个人)",  # "我要杀了他"
    r"报复社会|同归于尽",  # violence against others
]

# ---------------------------------------------------------------------------------------------------------
# Medical emergency now: chest pain with sweating, stroke signs, can't breathe, heavy bleeding, overdose...
# ---------------------------------------------------------------------------------------------------------
_URGENT_EN = [
    r"\bchest (pain|pressure|tightness|hurts?)\b<<GAP>>{0,60}\b(sweat\w*|arm|jaw|short(ness)? of breath|breathe|breathing|nause\w*|dizz\w*|faint\w*)",  # chest pain plus a heart-attack sign
    r"\b(sweat\w*|shortness of breath|nause\w*|dizz\w*)\b<<GAP>>{0,60}\bchest (pain|pressure|tightness|hurts?)\b",  # the same, other order
    r"\b(crushing|severe|sudden|bad|really bad) chest (pain|pressure)\b",  # severe chest pain
    r"\bmy chest (hurts|is tight|feels tight|feels heavy|is crushing)\b",  # first-person chest pain
    r"\b(i'm|i am|he's|he is|she's|she is|they're|my \w+ is|i think i'm|i think i am) having (a )?(heart attack|stroke|seizure|chest pain|severe allergic reaction|an allergic reaction|trouble breathing|difficulty breathing|a panic attack and chest pain)\b",  # "I think I'm having a heart attack"
    r"\b(can't|cannot|can not|can't really) breathe\b",  # can't breathe
    r"\b(i|he|she|they|my \w+|the baby|the child|we) (am |is |are )?(struggling|unable) to breathe\b",  # struggling to breathe
    r"\b(not breathing|stopped breathing|no pulse|turning blue|lips (are )?(turning )?blue)\b",  # breathing stopped
    r"\b(unconscious|unresponsive|won't wake up|will not wake up|not waking up|passed out and (won't|isn't|can't))\b",  # unresponsive
    r"\b(face|mouth|smile) (is |looks |suddenly )?(droop\w*|lopsided|uneven)\b",  # stroke: face drooping
    r"\b(slurr\w* (speech|words|talking)|speech (is )?(suddenly )?slurred)\b",  # stroke: slurred speech
    r"\b(sudden(ly)?|one side of (my|his|her) (body|face))<<GAP>>{0,20}\b(numb\w*|weak\w*|paraly\w*|can't (speak|talk|move|see))\b",  # stroke: one-sided weakness
    r"\b(bleeding|blood) (heavily|a lot|profusely|badly|everywhere|won't stop|will not stop|wont stop|doesn't stop|does not stop|non-?stop|that won't stop)\b",  # bleeding won't stop
    r"\b(severe|uncontrolled|massive|uncontrollable) bleeding\b",  # severe bleeding
    r"\b(coughing|vomiting|throwing) up blood\b",  # blood from mouth
    r"\b(i|he|she|they|we|someone|my \w+) (just )?(took|has taken|have taken|swallowed|ate|drank|had)\b<<GAP>>{0,40}\b(too many|whole (bottle|pack|box)|entire (bottle|pack|box)|a (bottle|handful) of|overdose|bleach|poison|pesticide|antifreeze|detergent|laundry (pod|pods|detergent)|button batter(y|ies)|batter(y|ies)|magnets|rat poison|weed killer|drain cleaner|\d+ (pills|tablets|capsules))\b",  # overdose or poisoning
    r"\b(i|he|she|they|my \w+) (think (i|he|she|they) )?(overdosed|took an overdose|have overdosed|has overdosed|got poisoned|was poisoned|is poisoned)\b",  # first-person overdose
    r"\bcarbon monoxide\b<<GAP>>{0,40}\b(alarm|dizzy|headache|sick|passed out)\b",  # CO poisoning
    r"\b(throat|tongue) (is |feels )?(closing|swelling|swollen)\b",  # anaphylaxis
    r"\bseizure (that )?(won't stop|will not stop|for (more than )?\d+ minutes|lasting)\b",  # prolonged seizure
    r"\bworst headache of my life\b",  # thunderclap headache
    r"\bhit (my|his|her|their) head\b<<GAP>>{0,40}\b(vomit\w*|confus\w*|passed out|unconscious|won't wake)",  # head injury with red flags
    r"\bswallowed (a |an |some |the )?(coin|battery|button battery|magnets?|bleach|poison|pills|medicine|detergent|pods?)\b",  # "my child swallowed a coin"
]
_URGENT_ZH = [
    r"胸(口|部)?(痛|疼|闷|压迫|压榨)<<GAP>>{0,20}(出汗|冒汗|大汗|冷汗|左臂|左肩|胳膊|手臂|肩膀|下巴|下颌|喘不上气|喘不过气|呼吸困难|恶心|头晕)",  # chest pain plus a heart-attack sign
    r"(出汗|冒汗|大汗|冷汗|喘不上气|呼吸困难)<<GAP>>{0,20}胸(口|部)?(痛|疼|闷|压迫|压榨)",  # the same, other order
    r"(剧烈|突然|压榨性|撕裂样|撕裂般)的?胸(口|部)?(痛|疼|闷)",  # severe chest pain
    r"喘不上气|喘不过气|上不来气|无法呼吸|不能呼吸|呼吸不了|没法呼吸|呼吸(非常|很|特别)?困难",  # can't breathe (stress idiom suppressed)
    r"没有呼吸|没呼吸|呼吸停止|没有心跳|心跳停|嘴唇(发)?(紫|青)",  # breathing or heart stopped
    r"(口角|嘴角|嘴)(歪|歪斜)|口眼歪斜|脸(歪|一边耷拉)",  # stroke: face drooping
    r"一侧的?(肢体|身体|手脚|胳膊|腿|脸)?(无力|麻木|不能动|动不了)|半边(身子|身体|脸)(发?麻|无力|不能动|动不了)|半身(不遂|麻木|无力)",  # stroke: one-sided weakness
    r"突然(说话|讲话)(含糊|不清|不利索)|说话(含糊不清|口齿不清|大舌头)|突然(看不见|失明|说不出话)",  # stroke: speech or vision
    r"(中风|脑梗|脑卒中|心梗|心肌梗死|心脏病发作?)了",  # "我爸中风了"
    r"大出血|血流不止|出血不止|止不住(的)?血|血止不住|流了(很多|好多|一地)的?血|吐血|呕血|咯血|大口(咳|吐)血",  # heavy bleeding
    r"(吃|服|吞|喝)了(一整|整|一)(瓶|盒|板|把)<<GAP>>{0,6}(药|片)",  # swallowed a bottle of pills
    r"(吃|服|吞)了(很多|好多|太多|几十|一大把|[0-9]{2,})(片|粒|颗)?<<GAP>>{0,4}(药|片)",  # swallowed many pills
    r"药(吃|服)(多了|过量)|(吃|服)(多了|错了)药|过量服用|服药过量|吃药过量",  # overdose
    r"误服|误食|误喝|服毒",  # swallowed something by mistake, took poison
    r"喝了(农药|百草枯|敌敌畏|洗洁精|消毒液|84|漂白剂|老鼠药|除草剂)|吃了老鼠药",  # poisoning
    r"中毒了|一氧化碳中毒|煤气中毒",  # poisoned
    r"昏迷|昏过去|晕过去了|叫不醒|失去意识|没有意识|不省人事",  # unconscious
    r"抽搐不止|一直抽搐|抽个不停|抽搐(了)?(超过|好几|[0-9]+)分钟",  # prolonged seizure
    r"喉咙(发紧|肿|堵)|嗓子(肿|堵)得?(喘|呼吸)|过敏性休克",  # anaphylaxis
    r"头(部)?(撞|磕|摔)<<GAP>>{0,20}(呕吐|吐了|昏|晕过去|意识不清|叫不醒)",  # head injury with red flags
    r"头痛欲裂|(一生中|这辈子)最(剧烈|严重|痛)的头痛",  # thunderclap headache
]

# ---------------------------------------------------------------------------------------------------------
# Asks for a diagnosis: "do I have X?", "我是不是得了...", "what disease is this".
# ---------------------------------------------------------------------------------------------------------
_DISEASE_EN = (
    r"(cancer|cancerous|tumou?r|diabetes|diabetic|hypertension|high blood pressure|heart (disease|attack|problem|condition)|"
    r"stroke|covid(-19)?|the flu|flu|influenza|pneumonia|infection|an infection|stds?|stis?|hiv|aids|hepatitis|depression|"
    r"anxiety|adhd|autism|bipolar|dementia|alzheimer'?s|parkinson'?s|arthritis|gout|anemia|anaemia|asthma|"
    r"an allergy|allergies|appendicitis|an ulcer|ulcers?|kidney stones?|thyroid \w+|lupus|disease|disorder|syndrome|"
    r"illness|a virus|pregnant|concussion|fracture|sprain|strep|utis?|cysts?|melanoma|leukemia|lymphoma|sepsis|"
    r"meningitis|tuberculosis|tb|shingles|measles|dengue|malaria|lyme)"
)
_DIAGNOSIS_EN = [
    r"\b(do|could|might) i (have|have got|be having|be getting|got)\s+(?!to\b|enough\b|any (rights|money|options)\b|the right\b|a right\b)([a-z'-]+\s+){0,2}<<DISEASE_EN>>\b",  # "do I have diabetes?"
    r"\bam i (\w+ )?(pregnant|diabetic|depressed|anemic|anaemic|sick|infected|allergic|bipolar|autistic|having a (stroke|heart attack|seizure))\b",  # "am I pregnant?"
    r"\bwhat (disease|illness|condition|infection|disorder|sickness)s? (is this|is it|do i have|does (he|she|my \w+) have|could (this|it|i) (be|have)|am i|might (this|it|i))",  # "what disease is this"
    r"\bwhat('?s| is) wrong with (me|my|him|her)\b",  # "what's wrong with me"
    r"\b(diagnose|diagnosis for|diagnosing) (me|my|this|him|her|it)\b",  # "can you diagnose me"
    r"\b(is|could) (this|it|that) (be )?(a |an )?(sign of )?(\w+ )?<<DISEASE_EN>>\s*(\?|$|or\b)",  # "is this cancer?"
    r"\b(i think|i'm afraid|i am afraid|i'm worried|i am worried|worried|scared|afraid|i fear|i suspect) (that )?(i|he|she|my \w+) (have|has|might have|may have|could have|got|caught)\s+([a-z'-]+\s+){0,2}<<DISEASE_EN>>\b",  # "I'm afraid I have cancer"
    r"\bwhat do(es)? (my|these|his|her|the) ((test|lab|blood|urine|x-ray|scan|mri|ct|biopsy|pathology) ){0,2}(results?|numbers|levels|report|scan|x-ray)\b<<GAP>>{0,30}\bmean\b",  # interpreting my results
    r"\b(does|do) (this|these|my) (\w+ )?(rash|lump|mole|spot|pain|symptoms?|bump|swelling|discharge) (look|sound|seem) (like|serious|normal|cancerous|infected)\b",  # "does this rash look like..."
    r"\b(can|could) you (confirm|tell me|say|determine|check) (if|whether) (i|he|she|my \w+) (am|is|'m|have|has|am having|might have)\b",  # "can you confirm if I have anxiety disorder"
    r"\b(could|might|may|can|does) (this|it|that) (mean|be a sign that|indicate) (that )?(i|he|she|my \w+) (have|has|am|is)\b",  # "could this mean I have schizophrenia"
    r"\b(could|might|can|do|may) i (have|be) ([a-z'-]+\s+){0,2}(paranoi\w*|psychotic|hallucinating|bipolar|schizophreni\w*|[a-z]+ disorder|[a-z]+ cancer|[a-z]+itis|aneurysm|hypothyroidism|hyperthyroidism|covid(-19)?)\b",  # "could I have paranoia", "can I have ovarian cancer"
    r"\bhave i (developed|got|caught|contracted)\b|\b(am i|is (he|she|my \w+)) (hallucinating|psychotic|paranoid)\b",  # "have I developed diabetes", "am I hallucinating"
    r"\b(can|could) (this|it) be (\w+ )?(delirium|dementia|[a-z]+ disorder|cancer|[a-z]+itis)\b|\bcould (it|this) be (related to|caused by|a sign of)\b",  # "can this be delirium or dementia"
    r"\binterpret my (\w+ ){0,3}(results?|report|scan|x-ray|numbers)\b",  # "interpret my blood test results"
    r"\bdo (i|you think i) need (an? )?(x-ray|mri|ct scan|scan|surgery|stitches|antibiotics)\b",  # "do I need an X-ray?"
    r"\b(treat|cure) (my|his|her)\b|\btreatment (plan|approach|program) for (my|me|him|her)\b|\bprovide (\w+ ){0,3}(treatment|therapy)\b|\b(self-)?therapy (session|program)\b|\breplace my (doctor|therapist|psychiatrist|psychologist|gp)\b|\btreat (it|this|them) at home\b",  # treatment instead of a doctor
]
_DISEASE_ZH = (
    r"(病|癌|瘤|肿瘤|恶性|良性|糖尿病|高血压|心脏病|冠心病|抑郁|焦虑症|甲亢|甲减|肝炎|乙肝|艾滋|hiv|新冠|流感|肺炎|结核|"
    r"白血病|胃炎|溃疡|痛风|贫血|中风|脑梗|心梗|怀孕|感染|过敏|结石|囊肿|结节|息肉|炎|综合征|阑尾炎|骨折|痔疮|湿疹|带状疱疹)"
)
_DIAGNOSIS_ZH = [
    r"(是不是|会不会|是否|难道|该不会|可能)(是|得了|患了|患上了?|有了|染上了?|感染了|有)<<ZGAP>>{0,8}?<<DISEASE_ZH>>",  # "我是不是得了糖尿病"
    r"(这|这个|这种|这样|我这|我这个|我这种|以上|上述|这些)(症状|情况|样子|表现)?(是|算|属于)(什么|啥|哪种)(病|毛病|问题)",  # "这是什么病"
    r"(得了|患了|生了|是)(什么|啥)(病|毛病)",  # "我得了什么病"
    r"(是|会是|会不会是|是不是)<<DISEASE_ZH>>(症)?的?(吗|么|嘛|呢|啊|\?)",  # "这个肿块是癌症吗"
    r"帮我(诊断|判断|看看|看下|看一下)<<ZGAP>>{0,10}(什么病|(是不是|是否)(得了|有|是)?<<DISEASE_ZH>>|严不严重|要不要紧)",  # "帮我看看是什么病"
    r"(诊断|确诊)一下",  # "帮我诊断一下"
    r"(报告|化验单|检查结果|体检结果|指标|片子|ct|b超|彩超|核磁|验血结果)<<ZGAP>>{0,15}(说明|代表|意味着|是不是|是否)(我|他|她|孩子)?<<ZGAP>>{0,4}(得了|有)?<<DISEASE_ZH>>",  # interpreting my results
    r"我(这|这个)?是怎么了",  # "我这是怎么了"
    r"(我|孩子|宝宝|老人|家人|他|她)<<GAP>>{0,20}(严不严重|要不要紧|严重吗|要紧吗)",  # "孩子发烧三天了严不严重"
]

# ---------------------------------------------------------------------------------------------------------
# Asks for a dose: how many pills / mg, 吃几片 / 吃多少 / 剂量 / 用量.
# ---------------------------------------------------------------------------------------------------------
_MEDNAME_EN = (
    r"(ibuprofen|advil|motrin|nurofen|paracetamol|acetaminophen|tylenol|panadol|aspirin|naproxen|aleve|"
    r"amoxicillin|antibiotics?|penicillin|insulin|metformin|melatonin|benadryl|diphenhydramine|antihistamines?|"
    r"loratadine|cetirizine|zyrtec|claritin|prednisone|steroids?|painkillers?|sleeping pills?|xanax|valium|"
    r"ambien|codeine|oxycodone|morphine|tramadol|statins?|warfarin|lisinopril|amlodipine|omeprazole|"
    r"cough syrup|nyquil|dayquil|medicine|medication|meds|drugs?)"
)
_MED_EN = r"(<<MEDNAME_EN>>|pills?|tablets?|capsules?|doses?|puffs?|drops|gummies|suppositor(y|ies))"
_DOSE_EN = [
    r"\bhow (many|much)\s+(of\s+)?((my|the|this|these|her|his|children'?s|kids'?|baby|infant|adult|liquid|extra[- ]strength)\s+)*<<MED_EN>>\b",  # "how many pills", "how much ibuprofen"
    r"\bhow (many|much) (mg|milligrams?|ml|milliliters?|millilitres?|mcg|units|iu|teaspoons?|tablespoons?)\s+(of\s+)?<<MEDNAME_EN>>\b",  # "how many mg of ibuprofen"
    r"\bhow (many|much)\b<<GAP>>{0,25}\b(should|can|do|may|must|could) (i|he|she|we|they|you|my \w+|a \w+|an adult|kids|children) (safely )?(take|give|use|inject|have)\b<<GAP>>{0,25}\b<<MED_EN>>\b",  # "how much should I take of tylenol"
    r"\b<<MED_EN>>\b<<GAP>>{0,30}\bhow (many|much|often)\b<<GAP>>{0,20}\b(take|give|use|inject|dose)\b",  # "Tylenol - how much can I give my kid?"
    r"\b(what|what's|whats|the|a|correct|right|safe|max|maximum|recommended|usual|normal|proper|starting) (is the )?(\w+ )?(dose|dosage|dosing)(?![-\w])<<GAP>>{0,30}\b(for (me|my|him|her|a|an|kids?|children|adults?|toddlers?|babies)|of|should|do|can)\b",  # "what's the right dose of amoxicillin for my son"
    r"\b(can|should|may|is it (ok|okay|safe) to)( i)? (take|give|double|increase|use)\b<<GAP>>{0,30}\b\d+(\.\d+)?\s*(mg|milligrams?|ml|mcg|pills?|tablets?|capsules?|units)\b",  # "can I take 800 mg"
    r"\bhow often (should|can|do|may) (i|he|she|you|we|they|my \w+) (take|give|use|inject)\b<<GAP>>{0,30}\b<<MED_EN>>\b",  # "how often should I take ibuprofen"
    r"\b(double|skip|increase|decrease|up|lower|stop) (my|the|his|her) (dose|dosage|medication|meds|insulin|pills?)\b",  # "should I double my dose"
    r"\b(prescribe|recommend|suggest) (me )?(some |any |a )?([\w-]+ )?(drugs?|medications?|medicines?|meds|pills|anti-?depressants?|anti-?psychotics?|antibiotics?|sleeping pills)\b",  # "can you prescribe me antipsychotic drugs"
    r"\b(should|can|may) i (stop|quit|change|switch|come off|start|skip|reduce|increase) (taking )?(my |the |these |this )?([\w-]+ ){0,2}(medications?|medicines?|meds|dosage|dose|pills|drugs|them|treatment)\b",  # "should I stop my prescribed medication"
    r"\bneed to start (taking )?(medication|meds|medicine|pills)\b|\bcan i take [\w-]+ instead\b",  # "do I need to start medication", "can I take amoxicillin instead"
    r"\bi should (stop|quit|change|switch|come off|start|skip|reduce|increase) (taking )?(my |the |these |this )?([\w-]+ ){0,2}(medications?|medicines?|meds|dosage|dose|pills|drugs)\b",  # "tell me if I should stop my medication"
]
_MED_ZH = (
    r"(药(?![费店价房企厂商监师学])|片剂|胶囊|颗粒|冲剂|口服液|糖浆|滴剂|混悬液|布洛芬|对乙酰氨基酚|扑热息痛|泰诺|美林|"
    r"阿莫西林|头孢|阿司匹林|胰岛素|二甲双胍|褪黑素|抗生素|激素|氯雷他定|西替利嗪|奥美拉唑|蒙脱石散|氨氯地平|硝苯地平|"
    r"他汀|钙片|叶酸|铁剂|优甲乐|左甲状腺素|连花清瘟|安乃近|华法林|硝酸甘油)"
)
_DOSE_ZH = [
    r"<<MED_ZH>><<ZGAP>>{0,10}(吃|服|喝|用|打|注射|服用|吃了)?(几|多少)(?!钱|元|块|费|价|岁)(片|粒|颗|丸|袋|包|支|毫克|mg|克|毫升|ml|单位|剂|次|量)?",  # "布洛芬吃几片", "退烧药一次吃多少"
    r"(吃|服|服用|用|打|喝)(几|多少)(片|粒|丸|毫克|mg|毫升|ml|剂)(?=$|[药?,。!呢啊吗合比好才就没够\s])",  # "每天吃几片合适" (the unit ends the clause: not 吃几片面包)
    r"(吃|服|服用|用|打|喝)(几|多少)(片|粒|颗|丸|毫克|mg|毫升|ml|剂)(的)?<<MED_ZH>>",  # "吃几片阿司匹林": the medicine named after the count
    r"(剂量|用量|用法用量)<<ZGAP>>{0,6}(是多少|多少|多大|怎么(算|定|掌握|用)|如何|是什么)",  # "儿童用量是多少" (radiation dose suppressed)
    r"<<MED_ZH>><<ZGAP>>{0,8}(剂量|用量|用法)",  # "阿莫西林的剂量"
    r"(吃|服|用)(药)?<<ZGAP>>{0,3}(加倍|翻倍|加量|减量)|(加倍|加量|减量)(吃|服|服用|用药)|多吃一[片粒颗丸]|少吃一[片粒颗丸]|漏服",  # changing a dose
    r"(能不能|可不可以|可以|能|要不要|该不该)(自己)?停药",  # "能不能停药"
]
